import Foundation
import Synchronization
import Testing

@testable import AzFuse

@Suite struct SingleFlightTests {
    struct Failure: Error, Equatable {}

    /// A gate the work waits on, so tests control when it finishes.
    final class Gate: Sendable {
        private let opened = Mutex(false)
        func open() { opened.withLock { $0 = true } }
        func wait() async throws {
            while !opened.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(2)) }
        }
    }

    @Test func concurrentCallersShareOneRun() async throws {
        let flight = SingleFlight<String, Int>()
        let runs = LockedValue(0)
        let gate = Gate()
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
            try await Task.sleep(for: .milliseconds(50))
            gate.open()
            for try await value in group { #expect(value == 42) }
        }
        #expect(runs.value == 1)
        #expect(flight.inFlightCount == 0)
    }

    @Test func errorsReachEveryWaiter() async throws {
        let flight = SingleFlight<Int, Int>()
        let gate = Gate()
        await withTaskGroup(of: Bool.self) { group in
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
            try? await Task.sleep(for: .milliseconds(30))
            gate.open()
            for await sawFailure in group { #expect(sawFailure) }
        }
    }

    @Test func cancelledWaiterLeavesAtOnceAndOthersStillGetTheResult() async throws {
        let flight = SingleFlight<String, Int>()
        let gate = Gate()
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
        try await Task.sleep(for: .milliseconds(30))
        leaving.cancel()
        let started = ContinuousClock.now
        await #expect(throws: CancellationError.self) { try await leaving.value }
        #expect(ContinuousClock.now - started < .seconds(5))
        gate.open()
        #expect(try await staying.value == 7)
        #expect(workCancelled.value == false)
    }

    @Test func workIsCancelledWhenTheLastWaiterLeaves() async throws {
        let flight = SingleFlight<String, Int>()
        let workCancelled = LockedValue(false)
        let tasks = (0..<3).map { _ in
            Task {
                try await flight.run("k") {
                    do { try await Task.sleep(for: .seconds(30)) } catch {
                        workCancelled.withLock { $0 = true }
                        throw error
                    }
                    return 1
                }
            }
        }
        try await Task.sleep(for: .milliseconds(30))
        for task in tasks { task.cancel() }
        for task in tasks { await #expect(throws: CancellationError.self) { try await task.value } }
        try await Task.sleep(for: .milliseconds(50))
        #expect(workCancelled.value)
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
            let waiter = Task {
                let third = try FileLock(path: path)
                try await third.lock()
                third.unlock()
                return true
            }
            try await Task.sleep(for: .milliseconds(30))
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
            var held = false
            for _ in 0..<200 where !held {
                held = try !lock.tryLock()
                if !held { lock.unlock() }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(held, "the flock child should hold the lock")
            kill(holder.processIdentifier, SIGKILL)
            let waiting = Task { try await lock.lock() }
            try await waiting.value
            holder.waitUntilExit()
        }
    }
}
