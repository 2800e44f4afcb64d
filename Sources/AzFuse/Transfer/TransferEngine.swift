/// Something that moves batches of blobs between one account and container and local files.
protocol TransferEngine: Sendable {
    /// Which engine this is, for routing statistics.
    var kind: TransferOptions.Engine { get }

    /// Downloads every target into its ``BlobTarget/cachePath`` (atomically: a partial file is never visible).
    ///
    /// - Parameter targets: Blobs of one account and container, with distinct cache paths.
    /// - Returns: One outcome per target, in order. A failure of one blob does not fail the others.
    func download(_ targets: [BlobTarget]) async -> [Result<Void, any Error>]

    /// Uploads every item's source file to its blob, replacing the blob; a blob is committed whole or not at all.
    ///
    /// - Parameter items: Files for blobs of one account and container, with distinct blob names.
    /// - Returns: One outcome per item, in order. A failure of one file does not fail the others.
    func upload(_ items: [UploadItem]) async -> [Result<Void, any Error>]
}
