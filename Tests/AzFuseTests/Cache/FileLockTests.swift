import Foundation
import Synchronization
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
