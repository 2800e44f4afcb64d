import Dispatch
import Foundation
import Glibc
import Synchronization

/// A child process started with `posix_spawnp`, monitored by two dedicated threads.
///
/// The waiter thread blocks in `waitid(WNOWAIT)` until the child exits and then marks it exited, so a signal is never
/// sent to a reaped (and possibly reused) process id. The reader thread reads stdout and stderr with `poll`, drains
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

    /// Starts `command` with stdin on `/dev/null` and stdout and stderr on pipes, then starts the monitor threads.
    ///
    /// - Parameters:
    ///   - command: What to run.
    ///   - outputCaptureLimit: How many trailing bytes of each stream to keep.
    ///   - onStandardOutputLine: Called on the reader thread for each stdout line, in order.
    ///   - completion: Called once, on the reader thread, after the child has been reaped and its output drained.
    /// - Returns: The running child.
    /// - Throws: ``AzFuseError`` with code `.transferFailed` if the process cannot be started.
    static func spawn(
        _ command: ProcessRunner.Command,
        outputCaptureLimit: Int,
        onStandardOutputLine: (@Sendable (String) -> Void)?,
        completion: @escaping @Sendable (ProcessRunner.Result) -> Void
    ) throws -> ChildProcess {
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
        let pid: pid_t
        do {
            pid = try spawnProcess(command, stdout: stdoutPipe.write, stderr: stderrPipe.write)
        } catch {
            closeAll([
                stdoutPipe.read, stdoutPipe.write, stderrPipe.read, stderrPipe.write, wakePipe.read, wakePipe.write,
            ])
            throw error
        }
        closeAll([stdoutPipe.write, stderrPipe.write])
        let child = ChildProcess(pid: pid)
        child.startMonitoring(
            stdout: stdoutPipe.read,
            stderr: stderrPipe.read,
            wake: wakePipe,
            outputCaptureLimit: outputCaptureLimit,
            onStandardOutputLine: onStandardOutputLine,
            completion: completion
        )
        return child
    }

    // MARK: - Monitoring

    private func startMonitoring(
        stdout: Int32,
        stderr: Int32,
        wake: (read: Int32, write: Int32),
        outputCaptureLimit: Int,
        onStandardOutputLine: (@Sendable (String) -> Void)?,
        completion: @escaping @Sendable (ProcessRunner.Result) -> Void
    ) {
        // The waiter writes one byte to the wake pipe when the child has exited; the reader polls it with the streams.
        let waiter = Thread { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
            exited.withLock { $0 = true }
            var byte: UInt8 = 1
            _ = write(wake.write, &byte, 1)
            close(wake.write)
        }
        waiter.name = "azfuse-wait-\(pid)"
        let reader = Thread { [self] in
            var output = BoundedOutputCapture(limit: outputCaptureLimit, lineHandler: onStandardOutputLine)
            var errors = BoundedOutputCapture(limit: outputCaptureLimit, lineHandler: nil)
            Self.readUntilExit(stdout: stdout, stderr: stderr, wake: wake.read, output: &output, errors: &errors)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            Self.closeAll([stdout, stderr, wake.read])
            completion(
                ProcessRunner.Result(
                    exitStatus: ProcessRunner.ExitStatus(waitStatus: status),
                    standardOutput: output.finish(),
                    standardError: errors.finish()
                )
            )
        }
        reader.name = "azfuse-read-\(pid)"
        waiter.start()
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
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
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
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count > 0 {
                capture.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                return true
            }
            if count < 0, errno == EINTR { continue }
            return count < 0 && errno == EAGAIN
        }
    }

    /// Reads from `fd` until it would block or ends.
    private static func drain(
        _ fd: Int32,
        into capture: inout BoundedOutputCapture,
        buffer: UnsafeMutableRawBufferPointer
    ) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count > 0 {
                capture.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    // MARK: - Spawning

    private static func spawnProcess(_ command: ProcessRunner.Command, stdout: Int32, stderr: Int32) throws -> pid_t {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        try check(posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0), "open /dev/null")
        try check(posix_spawn_file_actions_adddup2(&fileActions, stdout, 1), "redirect stdout")
        try check(posix_spawn_file_actions_adddup2(&fileActions, stderr, 2), "redirect stderr")
        // Close every other descriptor the parent left without close-on-exec (glibc 2.34 and later).
        if let addCloseFrom = SpawnExtensions.addCloseFrom {
            try check(addCloseFrom(&fileActions, 3), "close inherited descriptors")
        }
        if let directory = command.workingDirectory {
            guard let addChdir = SpawnExtensions.addChdir else {
                throw AzFuseError(
                    .transferFailed,
                    "cannot start '\(command.executable)' in '\(directory)': this C library has no "
                        + "posix_spawn_file_actions_addchdir_np (glibc 2.29 or later is required)",
                    path: command.executable
                )
            }
            try check(addChdir(&fileActions, directory), "change directory to '\(directory)'")
        }

        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        try check(posix_spawnattr_setsigmask(&attributes, &noSignals), "reset the signal mask")
        try check(posix_spawnattr_setsigdefault(&attributes, &allSignals), "reset signal handlers")
        try check(
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)),
            "set spawn flags"
        )

        let arguments = [command.executable] + command.arguments
        let environment = command.resolvedEnvironment().map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withCStringArray(arguments) { argv in
            withCStringArray(environment) { envp in
                posix_spawnp(&pid, command.executable, &fileActions, &attributes, argv, envp)
            }
        }
        guard result == 0 else {
            throw AzFuseError(
                .transferFailed,
                "cannot start '\(command.executable)': \(String(cString: strerror(result)))",
                path: command.executable,
                underlying: POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO)
            )
        }
        return pid
    }

    private static func check(_ result: Int32, _ step: String) throws {
        guard result != 0 else { return }
        throw AzFuseError(
            .transferFailed,
            "cannot prepare a child process (\(step)): \(String(cString: strerror(result)))",
            underlying: POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO)
        )
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard SpawnExtensions.pipe2(&fds, O_CLOEXEC) == 0 else {
            let code = errno
            throw AzFuseError(
                .transferFailed,
                "cannot create a pipe for a child process: \(String(cString: strerror(code)))",
                underlying: POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
            )
        }
        return (fds[0], fds[1])
    }

    private static func closeAll(_ fds: [Int32]) {
        for fd in fds where fd >= 0 { close(fd) }
    }

    /// Calls `body` with a NULL-terminated C array of copies of `strings`, freed afterwards.
    private static func withCStringArray<R>(
        _ strings: [String],
        _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
    ) -> R {
        let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
