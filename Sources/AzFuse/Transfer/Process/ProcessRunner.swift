// The Transfer/Process folder's contract: child processes without a shell, started with clone/execve like
// posix_spawnp plus PR_SET_PDEATHSIG (they die with this process), output captured within limits, waited for off
// the cooperative pool, SIGTERM then SIGKILL on cancellation.

import Foundation
import Synchronization

/// Runs a child process to completion without a shell and without blocking Swift's cooperative thread pool.
///
/// The child is started like `posix_spawnp` does it (not with `Foundation.Process`, whose children inherit a blocked
/// `SIGTERM` when started from async code on Linux), by ``ChildLauncher`` on a dedicated thread. Its signal mask is
/// cleared and every signal handler reset to the default, stdin is `/dev/null`, stdout and stderr are read through
/// pipes by a dedicated thread, and its exit is awaited by the thread that started it. Only the last
/// ``outputCaptureLimit`` bytes of each stream are kept.
///
/// The child never outlives this process: it gets `SIGKILL` from the kernel when this process dies, even by
/// `SIGKILL` (`PR_SET_PDEATHSIG`), so a killed program leaves no azcopy running behind it.
///
/// When the calling task is cancelled, the child gets `SIGTERM`, then `SIGKILL` after ``terminationGracePeriod``
/// if it is still running; it is always reaped before ``run(_:onStandardOutputLine:)`` returns or throws.
///
/// ```swift
/// let result = try await ProcessRunner().run(.init(executable: "/bin/echo", arguments: ["hello"]))
/// // result.exitStatus == .exited(0), result.standardOutput.text == "hello\n"
/// ```
package struct ProcessRunner: Sendable {
    /// What to run.
    package struct Command: Sendable {
        /// A path, or a bare name looked up in the parent's `PATH`.
        package var executable: String
        /// The arguments, not including the executable itself. Passed as they are; no shell is involved.
        package var arguments: [String]
        /// Variables set in the child on top of the parent's environment.
        package var environmentOverrides: [String: String] = [:]
        /// Variables removed from the child's environment (applied before the overrides).
        package var removedEnvironmentVariables: Set<String> = []
        /// The child's working directory; the parent's when nil.
        package var workingDirectory: String?

        /// Creates a command.
        package init(
            executable: String,
            arguments: [String],
            environmentOverrides: [String: String] = [:],
            removedEnvironmentVariables: Set<String> = [],
            workingDirectory: String? = nil
        ) {
            self.executable = executable
            self.arguments = arguments
            self.environmentOverrides = environmentOverrides
            self.removedEnvironmentVariables = removedEnvironmentVariables
            self.workingDirectory = workingDirectory
        }

        /// The child's environment: the parent's, minus the removals, plus the overrides.
        func resolvedEnvironment() -> [String: String] {
            var environment = ProcessInfo.processInfo.environment
            for name in removedEnvironmentVariables { environment[name] = nil }
            environment.merge(environmentOverrides) { _, override in override }
            return environment
        }
    }

    /// How a child process ended.
    package enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
        /// It called `exit` with this code.
        case exited(Int32)
        /// A signal with this number ended it.
        case signaled(Int32)

        /// Decodes a `waitpid` status word.
        init(waitStatus: Int32) {
            let signal = waitStatus & 0x7f
            self = signal == 0 ? .exited((waitStatus >> 8) & 0xff) : .signaled(signal)
        }

        /// Whether the process exited with code 0.
        package var isSuccess: Bool { self == .exited(0) }

        /// `exit code N` or `signal N`.
        package var description: String {
            switch self {
            case .exited(let code): "exit code \(code)"
            case .signaled(let signal): "signal \(signal)"
            }
        }
    }

    /// The tail of what a child wrote to one stream.
    package struct CapturedOutput: Sendable, Hashable {
        /// The last bytes written, decoded as UTF-8 (invalid sequences replaced).
        package var text: String
        /// How many earlier bytes were discarded to respect the capture limit.
        package var droppedByteCount: Int
    }

    /// The outcome of a finished child process.
    package struct Result: Sendable {
        /// How it ended.
        package var exitStatus: ExitStatus
        /// The tail of its standard output.
        package var standardOutput: CapturedOutput
        /// The tail of its standard error.
        package var standardError: CapturedOutput
    }

    /// How long a cancelled child has between `SIGTERM` and `SIGKILL`.
    package var terminationGracePeriod: Duration = .seconds(2)
    /// How many trailing bytes of stdout and of stderr to keep.
    package var outputCaptureLimit: Int = 64 * 1024

    /// Creates a runner with the default grace period and capture limit.
    package init() {}

    /// Runs `command` and waits for it to exit.
    ///
    /// - Parameters:
    ///   - command: What to run.
    ///   - onStandardOutputLine: Called with each stdout line (without the newline), in order, on a dedicated
    ///     thread. It must return quickly; it is called for every line even when the capture limit drops old bytes.
    /// - Returns: The exit status and the captured output. A non-zero exit is not an error here.
    /// - Throws: ``AzFuseError`` with code `.transferFailed` if the process cannot be started (for example, the
    ///   executable does not exist); `CancellationError` if the task was cancelled while the child ran (the child has
    ///   then been terminated and reaped, and its result is discarded even if it exited on its own meanwhile).
    package func run(_ command: Command, onStandardOutputLine: (@Sendable (String) -> Void)? = nil) async throws
        -> Result
    {
        // An executable that was just written can be busy for a moment (ETXTBSY) while another thread's fork still
        // holds its write descriptor before exec; retry briefly, as Go's os/exec does.
        var attempt = 1
        while true {
            do {
                return try await runOnce(command, onStandardOutputLine: onStandardOutputLine)
            } catch let error as AzFuseError
                where (error.underlying as? POSIXError)?.code == .ETXTBSY && attempt < Self.busyExecutableAttempts
            {
                attempt += 1
                try await Task.sleep(for: .milliseconds(5 * attempt))
            }
        }
    }

    /// How often a start that fails with "text file busy" is tried.
    private static let busyExecutableAttempts = 10

    private func runOnce(
        _ command: Command, onStandardOutputLine: (@Sendable (String) -> Void)?
    ) async throws -> Result {
        try Task.checkCancellation()
        let termination = TerminationRequest(gracePeriod: terminationGracePeriod)
        let result: Result = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                do {
                    try ChildProcess.spawn(
                        command,
                        outputCaptureLimit: outputCaptureLimit,
                        onStandardOutputLine: onStandardOutputLine,
                        started: { termination.attach($0) },
                        completion: { continuation.resume(with: $0) }
                    )
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            termination.request()
        }
        if termination.wasRequested { throw CancellationError() }
        return result
    }
}

/// Connects a task's cancellation to the child it started, whichever comes first.
private final class TerminationRequest: Sendable {
    private struct State {
        var child: ChildProcess?
        var requested = false
    }

    private let gracePeriod: Duration
    private let state = Mutex(State())

    init(gracePeriod: Duration) {
        self.gracePeriod = gracePeriod
    }

    /// Whether cancellation was requested while the child was starting or running.
    var wasRequested: Bool { state.withLock { $0.requested } }

    /// Records the started child, terminating it at once if cancellation came first.
    func attach(_ child: ChildProcess) {
        let terminateNow = state.withLock { state in
            state.child = child
            return state.requested
        }
        if terminateNow { child.terminate(gracePeriod: gracePeriod) }
    }

    /// Terminates the child if it has started, or arranges for it to be terminated as soon as it does.
    func request() {
        let child = state.withLock { state in
            state.requested = true
            return state.child
        }
        child?.terminate(gracePeriod: gracePeriod)
    }
}
