import AzFuse
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A one-line progress bar on standard error, drawn only when standard error is a terminal, so pipes and log
/// files stay quiet.
final class ProgressBar: Sendable {
    private struct State {
        var drawn = false
        var lastDraw = ContinuousClock.now - .seconds(1)
    }

    private let label: String
    private let isEnabled: Bool
    private let state = Mutex(State())

    /// Creates a bar for an operation described by `label` (for example `downloading`).
    init(_ label: String) {
        self.label = label
        self.isEnabled = isatty(STDERR_FILENO) != 0
    }

    /// Redraws the bar, at most ten times a second and always for the last step.
    func update(_ progress: TransferProgress) {
        guard isEnabled, progress.totalFiles > 0 else { return }
        let line: String? = state.withLock { state in
            let now = ContinuousClock.now
            guard progress.completedFiles == progress.totalFiles || now - state.lastDraw >= .milliseconds(100) else {
                return nil
            }
            state.lastDraw = now
            state.drawn = true
            let width = 30
            let filled = width * progress.completedFiles / progress.totalFiles
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            return "\r\(label) [\(bar)] \(progress.completedFiles)/\(progress.totalFiles) files"
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Ends the bar's line, if one was drawn since the last call.
    func finish() {
        let drawn = state.withLock { state in
            defer { state.drawn = false }
            return state.drawn
        }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
