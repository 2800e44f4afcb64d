/// Something that downloads a batch of blobs from one account and container into their cache files.
protocol TransferEngine: Sendable {
    /// Which engine this is, for routing statistics.
    var kind: TransferOptions.Engine { get }

    /// Downloads every target into its ``BlobTarget/cachePath`` (atomically: a partial file is never visible).
    ///
    /// - Parameter targets: Blobs of one account and container, with distinct cache paths.
    /// - Returns: One outcome per target, in order. A failure of one blob does not fail the others.
    func download(_ targets: [BlobTarget]) async -> [Result<Void, any Error>]
}
