import AzFuseBlobClient

/// How AzFuse survives throttling, dropped connections and other transient failures, following Azure Storage's
/// retry guidance. One policy governs every request of the native client and every azcopy job.
///
/// - Retried: HTTP 408, 429, 500, 502, 503 and 504, connection resets and losses, bodies cut short (a length or MD5
///   mismatch of a downloaded range) and timeouts.
/// - Not retried: every other status, among them 400, 401, 403, 404, 409 and 412, which fail at once.
/// - Waits: exponential backoff with full jitter (a random wait between zero and
///   `initialDelay × 2^(retry − 1)`, at most ``maxDelay``). When the service says how long to wait
///   (`x-ms-retry-after-ms`, or `Retry-After` in seconds or as an HTTP date), the wait is at least that long.
/// - Limits: at most ``maxAttempts`` attempts, and no retry starts after ``budget``; a retry the service asks to
///   delay beyond the budget is not made.
/// - Each attempt may take ``tryTimeout`` plus the time its body needs at ``minimumThroughput``, so large blocks
///   and ranges are not cut off, and a hung connection costs one try rather than the whole budget.
///
/// Set it with ``TransferOptions/retry`` (or `AZFUSE_MAX_RETRIES` and `AZFUSE_RETRY_BUDGET_SECONDS`).
public struct RetryPolicy: Sendable, Hashable {
    /// The most attempts per request or azcopy job, the first included. Default 31 (30 retries): enough that
    /// the ``budget`` is what normally ends retrying, even when a burst of failures comes back at once.
    public var maxAttempts: Int
    /// No retry starts once this much time has passed since the first attempt. Default 60 seconds.
    public var budget: Duration
    /// The upper bound of the first retry's random wait; it doubles for each later retry. Default 0.8 seconds.
    public var initialDelay: Duration
    /// The upper bound of any random wait. Default 30 seconds.
    public var maxDelay: Duration
    /// The time an attempt without a body may take before it is abandoned as a timeout. Default 30 seconds.
    public var tryTimeout: Duration
    /// The slowest transfer rate, in bytes per second, an attempt is allowed before it times out: an attempt
    /// carrying `n` body bytes may take ``tryTimeout`` plus `n / minimumThroughput` seconds. Default 256 KiB/s.
    public var minimumThroughput: Int

    /// The statuses worth retrying: timeouts, throttling and server errors.
    public static let retryableStatuses: Set<Int> = BlobRetryPolicy.retryableStatuses

    /// Creates a retry policy.
    ///
    /// - Parameters:
    ///   - maxAttempts: The most attempts, the first included (at least 1).
    ///   - budget: The time after which no retry starts.
    ///   - initialDelay: The upper bound of the first retry's random wait.
    ///   - maxDelay: The upper bound of any random wait.
    ///   - tryTimeout: The time an attempt without a body may take.
    ///   - minimumThroughput: The slowest rate, in bytes per second, a body may move at (at least 1).
    public init(
        maxAttempts: Int = 31,
        budget: Duration = .seconds(60),
        initialDelay: Duration = .milliseconds(800),
        maxDelay: Duration = .seconds(30),
        tryTimeout: Duration = .seconds(30),
        minimumThroughput: Int = 256 << 10
    ) {
        let policy = BlobRetryPolicy(
            maxAttempts: maxAttempts, budget: budget, initialDelay: initialDelay, maxDelay: maxDelay,
            tryTimeout: tryTimeout, minimumThroughput: minimumThroughput)
        self.maxAttempts = policy.maxAttempts
        self.budget = policy.budget
        self.initialDelay = policy.initialDelay
        self.maxDelay = policy.maxDelay
        self.tryTimeout = policy.tryTimeout
        self.minimumThroughput = policy.minimumThroughput
    }

    /// The same policy for the blob client, which does the arithmetic (backoff, budget, per-try timeout) for both.
    var blobRetryPolicy: BlobRetryPolicy {
        var policy = BlobRetryPolicy()
        policy.maxAttempts = maxAttempts
        policy.budget = budget
        policy.initialDelay = initialDelay
        policy.maxDelay = maxDelay
        policy.tryTimeout = tryTimeout
        policy.minimumThroughput = minimumThroughput
        return policy
    }

    /// Whether to retry after failed attempt number `attempt`, and after how long: see
    /// `BlobRetryPolicy.nextDelay(afterAttempt:elapsed:retryAfter:random:)`.
    func nextDelay(afterAttempt attempt: Int, elapsed: Duration, retryAfter: Duration?, random: Double)
        -> Duration?
    {
        blobRetryPolicy.nextDelay(afterAttempt: attempt, elapsed: elapsed, retryAfter: retryAfter, random: random)
    }
}
