import AzFuseBlobClient
import Foundation
import Synchronization

/// One run of the azcopy executable: its output parsed as it arrives, progress forwarded, and a watchdog that stops
/// azcopy when it prints nothing for too long.
///
/// azcopy prints a progress line every 2 seconds once a job runs, but while it scans it can stay silent, and it
/// retries a refused connection with growing back-off for many minutes. The watchdog turns that silence into an
/// error instead of a hang.
struct AzCopyInvocation: Sendable {
    /// How a finished run ended.
    struct Outcome: Sendable {
        /// azcopy's exit status.
        var exitStatus: ProcessRunner.ExitStatus
        /// What azcopy reported on stdout.
        var parser: AzCopyOutputParser
        /// The tail of azcopy's stderr (normally empty), secrets redacted.
        var standardError: String
    }

    /// The command to run.
    var command: ProcessRunner.Command
    /// Runs the process.
    var runner: ProcessRunner
    /// How long azcopy may print nothing before it is stopped.
    var stallTimeout: Duration

    /// Runs azcopy to completion.
    ///
    /// - Parameter progress: Receives each job summary azcopy prints.
    /// - Returns: The exit status and the parsed output.
    /// - Throws: ``AzFuseError`` with code `.transport` if azcopy stalled (it has been stopped), `.transferFailed`
    ///   if it could not be started; `CancellationError` if the task was cancelled (azcopy has been stopped).
    func run(progress: (@Sendable (AzCopyJobSummary) -> Void)?) async throws -> Outcome {
        let collector = OutputCollector(progress: progress)
        let result = try await withThrowingTaskGroup(of: ProcessRunner.Result?.self) { group in
            group.addTask { try await runner.run(command) { collector.consume($0) } }
            group.addTask {
                try await collector.waitForSilence(longerThan: stallTimeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            if first == nil {
                // The watchdog fired; wait until azcopy has been stopped and reaped.
                while (try? await group.next()) != nil {}
            }
            return first
        }
        try Task.checkCancellation()
        guard let result else {
            let diagnostics = collector.parser.diagnosticText()
            throw AzFuseError(
                .transport,
                "azcopy printed nothing for \(stallTimeout) and was stopped; the storage endpoint may be "
                    + "unreachable (azcopy retries refused connections for minutes)"
                    + (diagnostics.isEmpty ? "" : ". Last output: \(diagnostics)")
            )
        }
        return Outcome(
            exitStatus: result.exitStatus,
            parser: collector.parser,
            standardError: Redaction.redactSecrets(in: result.standardError.text)
        )
    }
}

/// Feeds stdout lines to an ``AzCopyOutputParser`` from the process reader thread and tracks the time of the last one.
private final class OutputCollector: Sendable {
    private struct State {
        var parser = AzCopyOutputParser()
        var lastActivity = ContinuousClock.now
    }

    private let state = Mutex(State())
    private let progress: (@Sendable (AzCopyJobSummary) -> Void)?

    init(progress: (@Sendable (AzCopyJobSummary) -> Void)?) {
        self.progress = progress
    }

    var parser: AzCopyOutputParser { state.withLock { $0.parser } }

    func consume(_ line: String) {
        let summary = state.withLock { state in
            state.lastActivity = .now
            return state.parser.consume(line)
        }
        if let summary { progress?(summary) }
    }

    /// Returns once no line has arrived for `timeout`; throws `CancellationError` if cancelled first.
    func waitForSilence(longerThan timeout: Duration) async throws {
        while true {
            let deadline = state.withLock { $0.lastActivity } + timeout
            if ContinuousClock.now >= deadline { return }
            try await Task.sleep(until: deadline, clock: .continuous)
        }
    }
}
