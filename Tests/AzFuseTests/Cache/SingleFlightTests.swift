import Foundation
import Testing

@testable import AzFuse

@Suite struct SingleFlightTests {
    struct Failure: Error, Equatable {}

    @Test func concurrentCallersShareOneRun() async throws {
        let flight = SingleFlight<String, Int>()
        let runs = LockedValue(0)
        let gate = TestEvent()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await flight.run("k") {
                        runs.withLock { $0 += 1 }
                        try await gate.wait()
                        return 42
                    }
                }
            }
            #expect(try await Polling.until { flight.waiterCount(for: "k") == 50 })
            gate.signal()
            for try await value in group { #expect(value == 42) }
        }
        #expect(runs.value == 1)
        #expect(flight.inFlightCount == 0)
    }

    @Test func errorsReachEveryWaiter() async throws {
        let flight = SingleFlight<Int, Int>()
        let gate = TestEvent()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    do {
                        _ = try await flight.run(1) {
                            try await gate.wait()
                            throw Failure()
                        }
                        return false
                    } catch { return error is Failure }
                }
            }
            #expect(try await Polling.until { flight.waiterCount(for: 1) == 5 })
            gate.signal()
            for try await sawFailure in group { #expect(sawFailure) }
        }
    }

    @Test func cancelledWaiterLeavesAtOnceAndOthersStillGetTheResult() async throws {
        let flight = SingleFlight<String, Int>()
        let gate = TestEvent()
        let workCancelled = LockedValue(false)
        let work: @Sendable () async throws -> Int = {
            do { try await gate.wait() } catch {
                workCancelled.withLock { $0 = true }
                throw error
            }
            return 7
        }
        let staying = Task { try await flight.run("k", work) }
        let leaving = Task { try await flight.run("k", work) }
        #expect(try await Polling.until { flight.waiterCount(for: "k") == 2 })
        leaving.cancel()
        let started = ContinuousClock.now
        await #expect(throws: CancellationError.self) { try await leaving.value }
        #expect(ContinuousClock.now - started < .seconds(5))
        gate.signal()
        #expect(try await staying.value == 7)
        #expect(workCancelled.value == false)
    }

    @Test func workIsCancelledWhenTheLastWaiterLeaves() async throws {
        let flight = SingleFlight<String, Int>()
        let neverOpened = TestEvent()
        let workCancelled = TestEvent()
        let tasks = (0..<3).map { _ in
            Task {
                try await flight.run("k") {
                    do { try await neverOpened.wait() } catch {
                        workCancelled.signal()
                        throw error
                    }
                    return 1
                }
            }
        }
        #expect(try await Polling.until { flight.waiterCount(for: "k") == 3 })
        for task in tasks { task.cancel() }
        for task in tasks { await #expect(throws: CancellationError.self) { try await task.value } }
        try await workCancelled.wait()
        #expect(workCancelled.count == 1)
        #expect(flight.inFlightCount == 0)
        #expect(try await flight.run("k") { 5 } == 5)
    }
}

@Suite struct FileLockTests {
    @Test func lockIsExclusiveAndReleasedOnUnlock() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.file("locks/a.lock")
            let first = try FileLock(path: path)
            let second = try FileLock(path: path)
            #expect(try first.tryLock())
            #expect(try second.tryLock() == false)
            let contended = TestEvent()
            let waiter = Task {
                let third = try FileLock(path: path)
                #expect(try third.tryLock() == false)
                contended.signal()
                try await third.lock()
                third.unlock()
                return true
            }
            try await contended.wait()
            first.unlock()
            #expect(try await waiter.value)
        }
    }

    /// A process killed while holding the lock does not wedge the others: the kernel drops its lock.
    @Test func lockOfAKilledProcessIsReleased() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.file("held.lock")
            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            holder.arguments = [
                "python3", "-c",
                "import fcntl, sys, time; f = open(sys.argv[1], 'w'); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(30)",
                path,
            ]
            try holder.run()
            let lock = try FileLock(path: path)
            let held = try await Polling.until {
                if try lock.tryLock() {
                    lock.unlock()
                    return false
                }
                return true
            }
            #expect(held, "the flock child should hold the lock")
            kill(holder.processIdentifier, SIGKILL)
            let waiting = Task { try await lock.lock() }
            try await waiting.value
            holder.waitUntilExit()
        }
    }
}
