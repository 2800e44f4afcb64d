import Foundation

/// How the blob client survives throttling, dropped connections and other transient failures, following Azure
/// Storage's retry guidance: which failures are retried, how long to wait, when to give up, and how long one attempt
/// may take. The backoff arithmetic lives here once; the library's public `RetryPolicy` (the same fields, documented
/// for users) converts to it and uses it for its azcopy job retries too.
///
/// - Retried: HTTP 408, 429, 500, 502, 503 and 504, connection resets and losses, bodies cut short and timeouts.
/// - Waits: exponential backoff with full jitter, at most ``maxDelay``; at least what the service asks for.
/// - Limits: at most ``maxAttempts`` attempts, and no retry starts after ``budget``.
/// - Each attempt may take ``tryTimeout`` plus the time its body needs at ``minimumThroughput``.
package struct BlobRetryPolicy: Sendable, Hashable {
    /// The most attempts per request, the first included. Default 31 (30 retries).
    package var maxAttempts: Int
    /// No retry starts once this much time has passed since the first attempt. Default 60 seconds.
    package var budget: Duration
    /// The upper bound of the first retry's random wait; it doubles for each later retry. Default 0.8 seconds.
    package var initialDelay: Duration
    /// The upper bound of any random wait. Default 30 seconds.
    package var maxDelay: Duration
    /// The time an attempt without a body may take before it is abandoned as a timeout. Default 30 seconds.
    package var tryTimeout: Duration
    /// The slowest transfer rate, in bytes per second, an attempt is allowed before it times out: an attempt
    /// carrying `n` body bytes may take ``tryTimeout`` plus `n / minimumThroughput` seconds. Default 256 KiB/s.
    package var minimumThroughput: Int

    /// The statuses worth retrying: timeouts, throttling and server errors.
    package static let retryableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    /// Creates a retry policy; the defaults are those of the library's `RetryPolicy`.
    ///
    /// - Parameters:
    ///   - maxAttempts: The most attempts, the first included (at least 1).
    ///   - budget: The time after which no retry starts.
    ///   - initialDelay: The upper bound of the first retry's random wait.
    ///   - maxDelay: The upper bound of any random wait.
    ///   - tryTimeout: The time an attempt without a body may take.
    ///   - minimumThroughput: The slowest rate, in bytes per second, a body may move at (at least 1).
    package init(
        maxAttempts: Int = 31,
        budget: Duration = .seconds(60),
        initialDelay: Duration = .milliseconds(800),
        maxDelay: Duration = .seconds(30),
        tryTimeout: Duration = .seconds(30),
        minimumThroughput: Int = 256 << 10
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.budget = max(.zero, budget)
        self.initialDelay = max(.zero, initialDelay)
        self.maxDelay = max(.zero, maxDelay)
        self.tryTimeout = max(.seconds(1), tryTimeout)
        self.minimumThroughput = max(1, minimumThroughput)
    }

    /// The wait before the retry that follows failed attempt number `attempt` (1 for the first attempt).
    ///
    /// - Parameters:
    ///   - attempt: The attempt that failed, from 1.
    ///   - retryAfter: The wait the service asked for, if any.
    ///   - random: A number in `0...1` (uniform in production, fixed in tests).
    /// - Returns: With `retryAfter`, that wait plus up to a tenth of it (so clients told the same do not all
    ///   return at once); otherwise `random × min(maxDelay, initialDelay × 2^(attempt − 1))` (full jitter).
    package func delay(forAttempt attempt: Int, retryAfter: Duration?, random: Double) -> Duration {
        let unit = min(max(random, 0), 1)
        if let retryAfter {
            return retryAfter + retryAfter * (unit / 10)
        }
        let exponential = initialDelay.seconds * Double(1 << min(max(attempt - 1, 0), 30))
        return .seconds(min(exponential, maxDelay.seconds) * unit)
    }

    /// Whether to retry after failed attempt number `attempt`, and after how long.
    ///
    /// - Parameters:
    ///   - attempt: The attempt that failed, from 1.
    ///   - elapsed: The time since the first attempt started.
    ///   - retryAfter: The wait the service asked for, if any.
    ///   - random: A number in `0...1`.
    /// - Returns: The wait, capped by what is left of the budget; `nil` when attempts or budget are spent, or
    ///   the service asked for a wait longer than what is left of the budget.
    package func nextDelay(afterAttempt attempt: Int, elapsed: Duration, retryAfter: Duration?, random: Double)
        -> Duration?
    {
        guard attempt < maxAttempts else { return nil }
        let remaining = budget - elapsed
        guard remaining > .zero else { return nil }
        if let retryAfter, retryAfter > remaining { return nil }
        return min(delay(forAttempt: attempt, retryAfter: retryAfter, random: random), remaining)
    }

    /// The time one attempt carrying `bodyBytes` bytes (sent or expected back) may take.
    package func tryTimeout(bodyBytes: Int64) -> Duration {
        tryTimeout + .seconds(Double(max(0, bodyBytes)) / Double(minimumThroughput))
    }

    /// The wait a response asks for: `x-ms-retry-after-ms` (milliseconds), else `Retry-After` (seconds, or an
    /// HTTP date compared with `now`); `nil` when neither is present and valid.
    ///
    /// - Parameters:
    ///   - header: Looks a response header up by name (case-insensitively).
    ///   - now: The current time, for a date-valued `Retry-After`.
    package static func retryAfter(header: (String) -> String?, now: Date = Date()) -> Duration? {
        if let text = header("x-ms-retry-after-ms")?.trimmingCharacters(in: .whitespaces),
            let milliseconds = Int64(text), milliseconds >= 0
        {
            return .milliseconds(milliseconds)
        }
        guard let text = header("Retry-After")?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            return nil
        }
        if let seconds = Int64(text) {
            return seconds >= 0 ? .seconds(seconds) : nil
        }
        guard let date = HTTPDate.parseRFC1123(text) else { return nil }
        return .seconds(max(0, date.timeIntervalSince(now)))
    }
}
