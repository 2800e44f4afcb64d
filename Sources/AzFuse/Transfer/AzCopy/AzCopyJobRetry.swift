/// Runs azcopy jobs again for the items that failed transiently, per a ``RetryPolicy``.
///
/// azcopy retries each request itself; this covers what is left when a job ends with items failed by throttling,
/// server errors or a stalled transfer: those items (only those) go out again in a new job after a backoff, until
/// they succeed, fail permanently, or the policy's attempts or budget run out. The budget is counted from the end
/// of the first job, so a long job does not use it up.
struct AzCopyJobRetry: Sendable {
    /// The attempts, backoff and budget.
    var policy: RetryPolicy
    /// Waits between jobs (replaced in tests).
    var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    /// The jitter source, a number in `0...1` (replaced in tests).
    var random: @Sendable () -> Double = { .random(in: 0...1) }

    /// Runs `job` on `items`, then again on the items whose outcome is transient, and returns one outcome per item,
    /// in order (the last outcome of each).
    func run<Item: Sendable>(
        _ items: [Item], job: ([Item]) async -> [Result<Void, any Error>]
    ) async -> [Result<Void, any Error>] {
        var outcomes = await job(items)
        let firstJobEnded = ContinuousClock.now
        var attempt = 1
        while !Task.isCancelled {
            let again = outcomes.indices.filter { Self.isTransient(outcomes[$0]) }
            guard !again.isEmpty,
                let delay = policy.nextDelay(
                    afterAttempt: attempt, elapsed: firstJobEnded.duration(to: .now), retryAfter: nil,
                    random: random())
            else { break }
            do {
                try await sleep(delay)
            } catch {
                break
            }
            attempt += 1
            let retried = await job(again.map { items[$0] })
            for (index, outcome) in zip(again, retried) { outcomes[index] = outcome }
        }
        return outcomes
    }

    /// Whether an item's failure is worth another job: throttling, a server error or timeout status, a stalled or
    /// dropped transfer. Permanent failures (missing blob, refused credentials, conflicts) are not.
    static func isTransient(_ outcome: Result<Void, any Error>) -> Bool {
        guard case .failure(let error) = outcome, let error = error as? AzFuseError else { return false }
        if let status = error.httpStatus { return RetryPolicy.retryableStatuses.contains(status) }
        return error.code == .throttled || error.code == .transport
    }
}
