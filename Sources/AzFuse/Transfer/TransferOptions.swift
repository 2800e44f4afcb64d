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
    /// With ``Engine/auto``, batches of at least this many files go through azcopy. An azcopy job costs about two
    /// seconds even for one tiny file, so only large batches are worth it.
    public var azcopyMinimumBatchSize: Int
    /// How many requests the native client runs at once within a batch.
    public var nativeParallelism: Int
    /// How many files `prepare` locks and hands to the scheduler at once (each holds a file descriptor).
    public var prepareChunkSize: Int

    /// Creates transfer options.
    ///
    /// - Parameters:
    ///   - engine: The engine to use.
    ///   - azcopyMinimumBatchSize: The batch size from which ``Engine/auto`` uses azcopy.
    ///   - nativeParallelism: Concurrent requests of the native client within a batch.
    ///   - prepareChunkSize: Files `prepare` locks and schedules at once.
    public init(
        engine: Engine = .auto,
        azcopyMinimumBatchSize: Int = 1000,
        nativeParallelism: Int = 32,
        prepareChunkSize: Int = 4096
    ) {
        self.engine = engine
        self.azcopyMinimumBatchSize = max(1, azcopyMinimumBatchSize)
        self.nativeParallelism = max(1, nativeParallelism)
        self.prepareChunkSize = max(1, prepareChunkSize)
    }
}
