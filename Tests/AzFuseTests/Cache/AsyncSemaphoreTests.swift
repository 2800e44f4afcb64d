import Foundation
import Testing

@testable import AzFuse

@Suite struct AsyncSemaphoreTests {
    @Test func neverLetsMoreThanItsPermitsIn() async throws {
        let semaphore = AsyncSemaphore(permits: 3)
        let inside = LockedValue(0)
        let most = LockedValue(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    try await semaphore.withPermit {
                        let now = inside.withLock { value -> Int in
                            value += 1
                            return value
                        }
                        most.withLock { $0 = max($0, now) }
                        // Holds the permit a while on purpose, so the other tasks pile up at the semaphore and a
                        // fourth would get in here if it let too many through.
                        try await Task.sleep(for: .milliseconds(2))
                        inside.withLock { $0 -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(most.value == 3)
        #expect(inside.value == 0)
    }

    @Test func cancelledWaiterLeavesWithoutTakingAPermit() async throws {
        let semaphore = AsyncSemaphore(permits: 1)
        try await semaphore.acquire()
        let waiter = Task { try await semaphore.acquire() }
        #expect(try await Polling.until { semaphore.waiterCount == 1 })
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        semaphore.release()
        try await semaphore.acquire()
        semaphore.release()
    }
}
