import Foundation
import Glibc
import Synchronization
import Testing

@testable import AzFuse

@Suite(.serialized) struct ProcessRunnerTests {
    private func shell(_ script: String, _ arguments: String...) -> ProcessRunner.Command {
        ProcessRunner.Command(executable: "/bin/sh", arguments: ["-c", script, "sh"] + arguments)
    }

    @Test func reportsExitCodesAndSignals() async throws {
        let runner = ProcessRunner()
        #expect(try await runner.run(shell("exit 0")).exitStatus == .exited(0))
        #expect(try await runner.run(shell("exit 3")).exitStatus == .exited(3))
        #expect(try await runner.run(shell("kill -USR1 $$")).exitStatus == .signaled(SIGUSR1))
    }

    @Test func capturesStdoutAndStderrSeparately() async throws {
        let result = try await ProcessRunner().run(shell("echo out; echo err >&2; printf 'no newline'"))
        #expect(result.standardOutput.text == "out\nno newline")
        #expect(result.standardError.text == "err\n")
        #expect(result.standardOutput.droppedByteCount == 0)
    }

    @Test func argumentsArePassedWithoutAShell() async throws {
        let tricky = "a b; echo injected $HOME 'q' \"d\""
        let result = try await ProcessRunner().run(shell("printf '%s' \"$1\"", tricky))
        #expect(result.standardOutput.text == tricky)
    }

    @Test func largeOutputKeepsOnlyTheTail() async throws {
        var runner = ProcessRunner()
        runner.outputCaptureLimit = 1024
        // About 5 MB of numbered lines, more than a pipe buffer, so the reader must keep up.
        let result = try await runner.run(shell("seq 1 700000"))
        #expect(result.exitStatus == .exited(0))
        #expect(result.standardOutput.text.utf8.count == 1024)
        #expect(result.standardOutput.text.hasSuffix("699999\n700000\n"))
        #expect(result.standardOutput.droppedByteCount > 4_000_000)
    }

    @Test func lineCallbackSeesEveryLineInOrder() async throws {
        let lines = Mutex<[String]>([])
        var runner = ProcessRunner()
        runner.outputCaptureLimit = 100
        let result = try await runner.run(shell("seq 1 20000; printf 'last'")) { line in
            lines.withLock { $0.append(line) }
        }
        #expect(result.exitStatus == .exited(0))
        let seen = lines.withLock { $0 }
        #expect(seen == (1...20000).map(String.init) + ["last"])
    }

    /// Removes `HOME`, which the test process has (and `sh`, unlike `PATH`, does not re-create), rather than mutating
    /// this process's environment: `setenv` while other tests spawn processes is undefined behaviour (their
    /// `environ` can be freed under them).
    @Test func environmentOverridesAndRemovals() async throws {
        let path = try #require(ProcessInfo.processInfo.environment["PATH"])
        try #require(ProcessInfo.processInfo.environment["HOME"] != nil)
        var command = shell("printf '%s|%s|%s' \"$AZFUSE_TEST_VALUE\" \"${HOME-unset}\" \"$PATH\"")
        command.environmentOverrides = ["AZFUSE_TEST_VALUE": "x=y z"]
        command.removedEnvironmentVariables = ["HOME"]
        let result = try await ProcessRunner().run(command)
        #expect(result.standardOutput.text == "x=y z|unset|\(path)")
    }

    @Test func workingDirectoryAndNullStdin() async throws {
        var command = shell("pwd; cat; echo done")
        command.workingDirectory = "/usr"
        let result = try await ProcessRunner().run(command)
        #expect(result.standardOutput.text == "/usr\ndone\n")
    }

    @Test func childStartsWithDefaultSignalsAndNoExtraDescriptors() async throws {
        // SigBlk and SigIgn in /proc/self/status are the child's blocked and ignored signal masks. glibc keeps its
        // two internal real-time signals (32 and 33) as they are, so only the classic signals 1 to 31 are checked.
        let result = try await ProcessRunner().run(
            shell("grep -E '^Sig(Blk|Ign)' /proc/self/status; ls /proc/self/fd | sort -n | tr '\\n' ' '")
        )
        let text = result.standardOutput.text
        for field in ["SigBlk", "SigIgn"] {
            let line = text.split(separator: "\n").first { $0.hasPrefix(field + ":") }
            let mask = line.flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
            #expect(mask.map { $0 & 0x7fff_ffff } == 0, "\(field) in \(text)")
        }
        // 0, 1, 2 and the descriptor `ls` opens for /proc/self/fd; nothing leaked from the test process.
        #expect(text.hasSuffix("0 1 2 3 "))
    }

    @Test func missingExecutableIsAClearError() async throws {
        let error = await #expect(throws: AzFuseError.self) {
            try await ProcessRunner().run(.init(executable: "/nonexistent/azcopy", arguments: []))
        }
        #expect(error?.code == .transferFailed)
        #expect(error?.description.contains("/nonexistent/azcopy") == true)
        #expect(error?.description.contains("No such file or directory") == true)
    }

    @Test func missingWorkingDirectoryIsAClearError() async throws {
        var command = shell("echo never")
        command.workingDirectory = "/nonexistent/folder"
        let error = await #expect(throws: AzFuseError.self) { try await ProcessRunner().run(command) }
        #expect(error?.code == .transferFailed)
        #expect(
            error?.message.contains("changing directory to '/nonexistent/folder'") == true,
            "\(String(describing: error))")
    }

    @Test func bareNamesAreFoundOnPath() async throws {
        let result = try await ProcessRunner().run(.init(executable: "sh", arguments: ["-c", "echo found"]))
        #expect(result.standardOutput.text == "found\n")
    }

    @Test func cancellationTerminatesTheChildAndReapsIt() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("azfuse-pid-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let task = Task {
            try await ProcessRunner().run(shell("echo $$ > \"$1\"; exec sleep 30", pidFile.path))
        }
        let pid = try await waitForPid(in: pidFile)
        let start = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - start < .seconds(5), "long before sleep 30 would end")
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(pid)"))
    }

    @Test func childIgnoringSigtermIsKilledAfterTheGracePeriod() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("azfuse-pid-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        var runner = ProcessRunner()
        runner.terminationGracePeriod = .milliseconds(300)
        let task = Task {
            try await runner.run(shell("trap '' TERM; echo $$ > \"$1\"; while :; do sleep 0.05; done", pidFile.path))
        }
        let pid = try await waitForPid(in: pidFile)
        let start = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(8), "SIGKILL after the grace period, long before the loop would end")
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(pid)"))
    }

    @Test func alreadyCancelledTaskStartsNothing() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("azfuse-mark-\(UUID().uuidString)")
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await ProcessRunner().run(shell("touch \"$1\"", marker.path))
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(!FileManager.default.fileExists(atPath: marker.path))
    }

    @Test func manyConcurrentRunsDoNotStarveThePool() async throws {
        // More concurrent children than cooperative threads: blocking waits on the pool would deadlock or serialise.
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: ProcessRunner.ExitStatus.self) { group in
            for _ in 0..<16 { group.addTask { try await ProcessRunner().run(shell("sleep 0.3")).exitStatus } }
            for try await status in group { #expect(status == .exited(0)) }
        }
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    /// A child started through ProcessRunner dies with its parent process, even when the parent is killed with
    /// SIGKILL and cannot clean up (the kernel sends the child SIGKILL: `PR_SET_PDEATHSIG`).
    @Test func childDiesWhenItsParentIsKilled() async throws {
        let running = try CommandRunner.start(
            ["--spawn-child"], environment: [:], currentFolder: "/", executable: "azfuse-test-writer")
        let line = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let data = running.output.fileHandleForReading.availableData
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
        kill(running.process.processIdentifier, SIGKILL)
        let result = running.finish()
        let pid = try #require(
            pid_t(line.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("child ".count)),
            "parent said \(line); stderr: \(result.standardError)")
        #expect(try await Self.waitUntilGone(pid, within: .seconds(5)), "sleep \(pid) outlived its killed parent")
    }

    /// Whether `pid` is gone (or a zombie waiting for an init that does not reap) within `limit`.
    static func waitUntilGone(_ pid: pid_t, within limit: Duration) async throws -> Bool {
        let gone = try await Polling.until(within: limit) {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            // The state follows the command name in parentheses.
            guard let close = stat.lastIndex(of: ")") else { return false }
            return stat[close...].dropFirst(2).first.map { "ZX".contains($0) } == true
        }
        if !gone { kill(pid, SIGKILL) }
        return gone
    }

    private func waitForPid(in file: URL) async throws -> pid_t {
        var pid: pid_t?
        _ = try await Polling.until(within: .seconds(5)) {
            pid = (try? String(contentsOf: file, encoding: .utf8)).flatMap {
                pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            return pid != nil
        }
        guard let pid else { throw AzFuseError(.transferFailed, "the child never wrote its pid to \(file.path)") }
        return pid
    }
}
