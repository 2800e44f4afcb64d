/// Waiting for a lock another holder has: a blob lease, or the local `flock` that stands for one.
enum LeaseRetry {
    /// Calls `attempt` until it returns `true`, sleeping between attempts with growing, jittered delays, until
    /// `timeout` has passed.
    ///
    /// - Throws: ``AzFuseError`` naming `path`: ``AzFuseError/Code/conflict`` after `timeout`,
    ///   ``AzFuseError/Code/cancelled`` when cancelled while sleeping; or what `attempt` throws.
    static func retryWhileHeld(
        path: String, timeout: Duration, isolation: isolated (any Actor)? = #isolation,
        _ attempt: () async throws -> Bool
    ) async throws {
        let started = ContinuousClock.now
        var delay = Duration.milliseconds(100)
        while try await !attempt() {
            let jittered = delay * Double.random(in: 0.5...1.0)
            guard started.duration(to: .now) + jittered <= timeout else {
                throw AzFuseError(
                    .conflict,
                    "another holder kept the lease for \(timeout); try later, or break it with 'azfuse break' if "
                        + "its holder is stuck", path: path)
            }
            do {
                try await Task.sleep(for: jittered)
            } catch {
                throw AzFuseError(.cancelled, "waiting for the lease was cancelled", path: path)
            }
            delay = min(delay * 2, .seconds(5))
        }
    }
}
