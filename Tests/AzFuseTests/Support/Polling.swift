/// Waiting for a condition that nothing signals (the emulator's held requests, a file appearing, another process's
/// state): the condition is checked until it holds or a deadline passes. The sleep between checks only spaces them;
/// the wait ends on the condition, not after a guessed time.
enum Polling {
    /// Checks `condition` every `interval` until it holds, for at most `limit`.
    ///
    /// - Returns: Whether the condition held before the deadline.
    static func until(
        within limit: Duration = .seconds(30), every interval: Duration = .milliseconds(5),
        _ condition: () async throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while true {
            if try await condition() { return true }
            guard ContinuousClock.now < deadline else { return false }
            // Spaces the checks; see above.
            try await Task.sleep(for: interval)
        }
    }
}
