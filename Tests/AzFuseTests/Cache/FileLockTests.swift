import Foundation
import Testing

@testable import AzFuse

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
