/// How downloads and uploads are routed between the native REST client and azcopy.
public struct TransferOptions: Sendable, Hashable {
    /// A transfer engine.
    public enum Engine: String, Sendable, Hashable, CaseIterable {
        /// Pick per batch: the native client for small batches, azcopy for large ones.
        case auto
        /// Always azcopy (one invocation per batch).
        case azcopy
        /// Always the native REST client (bounded parallel requests).
        case native
    }

    /// The engine to use; `AZFUSE_TRANSFER_ENGINE` sets it from the environment. Default ``Engine/auto``.
    public var engine: Engine
    /// With ``Engine/auto``, batches of at least this many files go through azcopy.
    ///
    /// The default, `Int.max`, keeps every batch on the native client, because that is what finished soonest in
    /// every measurement (see Docs/Benchmarks.md): an azcopy job costs about two seconds even for one tiny file,
    /// and with `--list-of-files` azcopy checks each entry with its own request, so 1,000 small files took 4.2 s
    /// through azcopy against 1.5 s through the native client, and 10,000 took 53 s against 15 s. Lower it to send
    /// large batches through azcopy on networks where azcopy's transfer engine wins.
    public var azcopyMinimumBatchSize: Int
    /// How many requests the native client runs at once within a batch.
    public var nativeParallelism: Int
    /// How many files `prepare` locks and hands to the scheduler at once (each holds a file descriptor).
    public var prepareChunkSize: Int
    /// How every native request and every azcopy job survives throttling, dropped connections and transient
    /// errors; see ``RetryPolicy``. `AZFUSE_MAX_RETRIES` and `AZFUSE_RETRY_BUDGET_SECONDS` set its attempts and
    /// budget from the environment. Default: up to 31 attempts within 60 seconds.
    public var retry: RetryPolicy

    /// Creates transfer options.
    ///
    /// - Parameters:
    ///   - engine: The engine to use.
    ///   - azcopyMinimumBatchSize: The batch size from which ``Engine/auto`` uses azcopy.
    ///   - nativeParallelism: Concurrent requests of the native client within a batch.
    ///   - prepareChunkSize: Files `prepare` locks and schedules at once.
    ///   - retry: How transient failures are retried.
    public init(
        engine: Engine = .auto,
        azcopyMinimumBatchSize: Int = .max,
        nativeParallelism: Int = 32,
        prepareChunkSize: Int = 4096,
        retry: RetryPolicy = RetryPolicy()
    ) {
        self.engine = engine
        self.azcopyMinimumBatchSize = max(1, azcopyMinimumBatchSize)
        self.nativeParallelism = max(1, nativeParallelism)
        self.prepareChunkSize = max(1, prepareChunkSize)
        self.retry = retry
    }
}
