import AzFuseSystem
import Dispatch
import Foundation
import Glibc
import Synchronization

/// A child process started by ``ChildLauncher`` (like `posix_spawnp`, plus a parent-death signal), monitored by two
/// dedicated threads.
///
/// The waiter thread starts the child, so the child's parent-death signal (`SIGKILL`, sent by the kernel when the
/// thread that started it ends) fires only if this process dies: the waiter lives until the child has exited. It
/// then blocks in `waitid(WNOWAIT)` until the child exits and marks it exited, so a signal is never sent to a reaped
/// (and possibly reused) process id. The reader thread reads stdout and stderr with `poll`, drains
/// them once the child has exited (a grandchild that keeps a pipe open cannot stall it), reaps the child with
/// `waitpid` and reports the outcome. Neither thread belongs to Swift's cooperative pool.
final class ChildProcess: Sendable {
    /// The child's process id. Signal it only through ``send(_:)``, which knows whether it has exited.
    let pid: pid_t

    private let exited = Mutex(false)

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Sends `signal` to the child unless it has already exited. Returns whether the signal was sent.
    @discardableResult
    func send(_ signal: Int32) -> Bool {
        exited.withLock { exited in
            guard !exited else { return false }
            return kill(pid, signal) == 0
        }
    }

    /// Sends `SIGTERM` now and `SIGKILL` after `gracePeriod` if the child is still running then.
    func terminate(gracePeriod: Duration) {
        guard send(SIGTERM) else { return }
        let delay = Double(gracePeriod.components.seconds) + Double(gracePeriod.components.attoseconds) * 1e-18
        DispatchQueue.global().asyncAfter(deadline: .now() + max(0, delay)) { [self] in
            send(SIGKILL)
        }
    }

    /// Starts `command` with stdin on `/dev/null` and stdout and stderr on pipes, on a new waiter thread, without
    /// waiting for it: the calling thread (often one of Swift's cooperative threads) only creates the pipes and the
    /// thread.
    ///
    /// - Parameters:
    ///   - command: What to run.
    ///   - outputCaptureLimit: How many trailing bytes of each stream to keep.
    ///   - onStandardOutputLine: Called on the reader thread for each stdout line, in order.
    ///   - started: Called once, on the waiter thread, with the running child, before `completion`.
    ///   - completion: Called once: on the reader thread after the child has been reaped and its output drained, or
    ///     on the waiter thread with an ``AzFuseError`` (code `.transferFailed`) if the child could not be started.
    /// - Throws: ``AzFuseError`` with code `.transferFailed` if the pipes cannot be created (nothing is called then).
    static func spawn(
        _ command: ProcessRunner.Command,
        outputCaptureLimit: Int,
        onStandardOutputLine: (@Sendable (String) -> Void)?,
        started: @escaping @Sendable (ChildProcess) -> Void,
        completion: @escaping @Sendable (Result<ProcessRunner.Result, any Error>) -> Void
    ) throws {
        let stdoutPipe = try makePipe()
        let stderrPipe: (read: Int32, write: Int32)
        do {
            stderrPipe = try makePipe()
        } catch {
            closeAll([stdoutPipe.read, stdoutPipe.write])
            throw error
        }
        let wakePipe: (read: Int32, write: Int32)
        do {
            wakePipe = try makePipe()
        } catch {
            closeAll([stdoutPipe.read, stdoutPipe.write, stderrPipe.read, stderrPipe.write])
            throw error
        }
        let preparation = ChildLauncher.Preparation(
            command, standardOutput: stdoutPipe.write, standardError: stderrPipe.write)
        // The waiter starts the child (so the child's parent-death signal is tied to a thread that outlives it), then
        // writes one byte to the wake pipe when the child has exited; the reader polls it with the streams.
        let waiter = Thread {
            let pid: pid_t
            do {
                pid = try ChildLauncher.launch(preparation.plan)
            } catch {
                closeAll([
                    stdoutPipe.read, stdoutPipe.write, stderrPipe.read, stderrPipe.write, wakePipe.read,
                    wakePipe.write,
                ])
                completion(.failure(startError(error, command: command)))
                return
            }
            closeAll([stdoutPipe.write, stderrPipe.write])
            let child = ChildProcess(pid: pid)
            started(child)
            child.startReader(
                stdout: stdoutPipe.read,
                stderr: stderrPipe.read,
                wake: wakePipe.read,
                outputCaptureLimit: outputCaptureLimit,
                onStandardOutputLine: onStandardOutputLine
            ) { completion(.success($0)) }
            var info = siginfo_t()
            _ = Syscall.retryingInterrupts { waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) }
            child.exited.withLock { $0 = true }
            var byte: UInt8 = 1
            _ = write(wakePipe.write, &byte, 1)
            close(wakePipe.write)
        }
        waiter.name = "azfuse-wait"
        waiter.start()
    }

    // MARK: - Monitoring

    /// The error for a child that could not be started.
    private static func startError(_ error: any Error, command: ProcessRunner.Command) -> any Error {
        guard let failure = error as? ChildLauncher.Failure else { return error }
        let reason = SystemCallError("execve", code: failure.code).reason
        let step: String
        switch failure.step {
        case .execute, nil: step = ""
        case .openDevNull: step = " (opening /dev/null for stdin)"
        case .redirectOutput, .redirectError: step = " (redirecting its output)"
        case .changeDirectory: step = " (changing directory to '\(command.workingDirectory ?? "")')"
        }
        return AzFuseError(
            .transferFailed,
            "cannot start '\(command.executable)'\(step): \(reason)",
            path: command.executable,
            underlying: POSIXError(POSIXErrorCode(rawValue: failure.code) ?? .EIO)
        )
    }

    private func startReader(
        stdout: Int32,
        stderr: Int32,
        wake: Int32,
        outputCaptureLimit: Int,
        onStandardOutputLine: (@Sendable (String) -> Void)?,
        completion: @escaping @Sendable (ProcessRunner.Result) -> Void
    ) {
        let reader = Thread { [self] in
            var output = BoundedOutputCapture(limit: outputCaptureLimit, lineHandler: onStandardOutputLine)
            var errors = BoundedOutputCapture(limit: outputCaptureLimit, lineHandler: nil)
            Self.readUntilExit(stdout: stdout, stderr: stderr, wake: wake, output: &output, errors: &errors)
            let status = (try? Syscall.wait(for: pid)) ?? 0
            Self.closeAll([stdout, stderr, wake])
            completion(
                ProcessRunner.Result(
                    exitStatus: ProcessRunner.ExitStatus(waitStatus: status),
                    standardOutput: output.finish(),
                    standardError: errors.finish()
                )
            )
        }
        reader.name = "azfuse-read-\(pid)"
        reader.start()
    }

    /// Reads both streams until the child has exited, then drains whatever it left in the pipes without blocking.
    private static func readUntilExit(
        stdout: Int32,
        stderr: Int32,
        wake: Int32,
        output: inout BoundedOutputCapture,
        errors: inout BoundedOutputCapture
    ) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        var stdoutOpen = true
        var stderrOpen = true
        while true {
            var fds = [
                pollfd(fd: stdoutOpen ? stdout : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stderrOpen ? stderr : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
            ]
            guard Syscall.retryingInterrupts({ poll(&fds, nfds_t(fds.count), -1) }) >= 0 else { return }
            if fds[0].revents != 0 { stdoutOpen = readOnce(stdout, into: &output, buffer: buffer) }
            if fds[1].revents != 0 { stderrOpen = readOnce(stderr, into: &errors, buffer: buffer) }
            if fds[2].revents != 0 {
                // Drain without blocking: everything the child wrote before exiting is already in the pipes.
                if stdoutOpen { drain(stdout, into: &output, buffer: buffer) }
                if stderrOpen { drain(stderr, into: &errors, buffer: buffer) }
                return
            }
        }
    }

    /// Reads once from `fd`. Returns false at end of file or on a read error.
    private static func readOnce(
        _ fd: Int32,
        into capture: inout BoundedOutputCapture,
        buffer: UnsafeMutableRawBufferPointer
    ) -> Bool {
        let count = Syscall.retryingInterrupts { read(fd, buffer.baseAddress, buffer.count) }
        if count > 0 {
            capture.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            return true
        }
        return count < 0 && errno == EAGAIN
    }

    /// Reads from `fd` until it would block or ends.
    private static func drain(
        _ fd: Int32,
        into capture: inout BoundedOutputCapture,
        buffer: UnsafeMutableRawBufferPointer
    ) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        while true {
            let count = Syscall.retryingInterrupts { read(fd, buffer.baseAddress, buffer.count) }
            guard count > 0 else { return }
            capture.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    // MARK: - Helpers

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard SpawnExtensions.pipe2(&fds, O_CLOEXEC) == 0 else {
            let code = errno
            throw AzFuseError(
                .transferFailed,
                "cannot create a pipe for a child process: \(SystemCallError("pipe2", code: code).reason)",
                underlying: POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
            )
        }
        return (fds[0], fds[1])
    }

    private static func closeAll(_ fds: [Int32]) {
        for fd in fds where fd >= 0 { close(fd) }
    }
}
