import Foundation
import Testing

@testable import AzFuse

/// The in-flight download table's decisions, deterministically: no tasks, no timing.
@Suite struct DownloadFlightsTests {
    @Test func theFirstCallerStartsAndLaterOnesWait() {
        var flights = DownloadFlights<String>()
        let first = flights.makeID()
        let second = flights.makeID()
        guard case .start(let generation) = flights.join("a", waiter: first, "first") else {
            Issue.record("the first caller must start the download")
            return
        }
        #expect(flights.join("a", waiter: second, "second") == .wait)
        #expect(flights.waiterCount("a") == 2)
        #expect(Set(flights.finish("a", generation: generation)) == ["first", "second"])
        #expect(flights.count == 0)
    }

    @Test func keysAreIndependent() {
        var flights = DownloadFlights<String>()
        #expect(flights.join("a", waiter: flights.makeID(), "a1") != .wait)
        #expect(flights.join("b", waiter: flights.makeID(), "b1") != .wait)
        #expect(flights.count == 2)
    }

    @Test func aLeavingWaiterIsAnsweredAndTheDownloadGoesOnForTheOthers() {
        var flights = DownloadFlights<String>()
        let staying = flights.makeID()
        let leaving = flights.makeID()
        guard case .start(let generation) = flights.join("a", waiter: staying, "staying") else { return }
        _ = flights.join("a", waiter: leaving, "leaving")
        let action = flights.leave("a", waiter: leaving)
        #expect(action.waiter == "leaving")
        #expect(action.cancelGeneration == nil, "someone still waits, so the download goes on")
        #expect(flights.finish("a", generation: generation) == ["staying"])
    }

    @Test func theLastWaiterLeavingCancelsTheDownloadAndANewCallerStartsAFreshOne() {
        var flights = DownloadFlights<String>()
        let only = flights.makeID()
        guard case .start(let first) = flights.join("a", waiter: only, "only") else { return }
        let action = flights.leave("a", waiter: only)
        #expect(action.waiter == "only")
        #expect(action.cancelGeneration == first)
        guard case .start(let second) = flights.join("a", waiter: flights.makeID(), "next") else {
            Issue.record("a caller after an abandoned download starts a new one")
            return
        }
        #expect(second != first)
        #expect(flights.finish("a", generation: first).isEmpty, "the abandoned download answers nobody")
        #expect(flights.finish("a", generation: second) == ["next"])
    }

    @Test func leavingTwiceOrAfterTheEndDoesNothing() {
        var flights = DownloadFlights<String>()
        let id = flights.makeID()
        guard case .start(let generation) = flights.join("a", waiter: id, "w") else { return }
        #expect(flights.finish("a", generation: generation) == ["w"])
        let late = flights.leave("a", waiter: id)
        #expect(late.waiter == nil)
        #expect(late.cancelGeneration == nil)
    }
}

/// ``CacheStore/shareDownload(_:_:)`` executing those decisions with real tasks; waits are on observed state
/// (waiters joined, the download started), never on a fixed delay.
@Suite struct SharedDownloadTests {
    struct Failure: Error, Equatable {}

    static func store() throws -> CacheStore {
        try AzFuseClient(configuration: AzFuseConfiguration(isEnabled: false, baseFolder: "/")).cacheStore
    }

    /// Waits (on observed state) until `condition` holds, failing after 30 s.
    static func until(_ condition: () async -> Bool) async throws {
        guard try await Polling.until({ await condition() }) else { throw Failure() }
    }

    /// A download that waits for `gate` and records in `cancelled` whether it was cancelled while waiting.
    static func gated(by gate: TestEvent, cancelled: LockedValue<Bool>) -> @Sendable () async throws -> Void {
        {
            do { try await gate.wait() } catch {
                cancelled.withLock { $0 = true }
                throw error
            }
        }
    }

    @Test func concurrentCallersShareOneDownload() async throws {
        let store = try Self.store()
        let runs = LockedValue(0)
        let gate = TestEvent()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await store.shareDownload("k") {
                        runs.withLock { $0 += 1 }
                        try await gate.wait()
                    }
                }
            }
            try await Self.until { await store.waitingCallers(for: "k") == 50 }
            gate.signal()
            try await group.waitForAll()
        }
        #expect(runs.value == 1)
        #expect(await store.downloadsInProgress == 0)
    }

    @Test func errorsReachEveryCaller() async throws {
        let store = try Self.store()
        let gate = TestEvent()
        let download: @Sendable () async throws -> Void = {
            try await gate.wait()
            throw Failure()
        }
        let tasks = (0..<5).map { _ in Task { try await store.shareDownload("k", download) } }
        try await Self.until { await store.waitingCallers(for: "k") == 5 }
        gate.signal()
        for task in tasks { await #expect(throws: Failure.self) { try await task.value } }
    }

    @Test func aCancelledCallerLeavesAtOnceAndTheOthersStillGetTheOutcome() async throws {
        let store = try Self.store()
        let gate = TestEvent()
        let downloadCancelled = LockedValue(false)
        let download = Self.gated(by: gate, cancelled: downloadCancelled)
        let staying = Task { try await store.shareDownload("k", download) }
        let leaving = Task { try await store.shareDownload("k", download) }
        try await Self.until { await store.waitingCallers(for: "k") == 2 }
        leaving.cancel()
        await #expect(throws: CancellationError.self) { try await leaving.value }
        #expect(await store.waitingCallers(for: "k") == 1)
        gate.signal()
        try await staying.value
        #expect(downloadCancelled.value == false)
    }

    @Test func theDownloadIsCancelledWhenTheLastCallerLeaves() async throws {
        let store = try Self.store()
        let gate = TestEvent()
        let downloadCancelled = LockedValue(false)
        let download = Self.gated(by: gate, cancelled: downloadCancelled)
        let tasks = (0..<3).map { _ in Task { try await store.shareDownload("k", download) } }
        try await Self.until { await store.waitingCallers(for: "k") == 3 }
        for task in tasks { task.cancel() }
        for task in tasks { await #expect(throws: CancellationError.self) { try await task.value } }
        try await Self.until { downloadCancelled.value }
        #expect(await store.downloadsInProgress == 0)
        try await store.shareDownload("k") {}
    }
}
