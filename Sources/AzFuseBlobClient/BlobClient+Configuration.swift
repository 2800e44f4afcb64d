extension BlobClient {
    /// Tuning for a ``BlobClient``: transfer sizes, parallelism, retries and timeouts.
    package struct Configuration: Sendable, Hashable {
        /// How failed requests are retried, and how long each attempt may take.
        package var retry: BlobRetryPolicy
        /// The size of each ranged GET of a download; blobs up to this size take one request.
        package var downloadChunkSize: Int
        /// Blobs up to this size are uploaded with one Put Blob; larger ones in blocks.
        package var singleUploadThreshold: Int
        /// The size of each block of a block upload (raised when a blob would need more than 50,000 blocks).
        package var uploadBlockSize: Int
        /// How many ranges or blocks of one transfer are in flight at once.
        package var parallelism: Int
        /// How many times a download restarts when the blob changes under it (HTTP 412) before giving up.
        package var maxDownloadRestarts: Int
        /// The lifetime of SAS tokens minted by ``BlobClient/authorizedURL(forBlobPrefix:permissions:)``.
        package var mintedSASLifetime: Duration
        /// The most simultaneous connections to the service.
        package var maximumConnections: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - retry: The retry policy.
        ///   - downloadChunkSize: Bytes per ranged GET (at least 64 KiB).
        ///   - singleUploadThreshold: The largest blob uploaded in one request.
        ///   - uploadBlockSize: Bytes per block (at least 64 KiB).
        ///   - parallelism: Ranges or blocks in flight per transfer (at least 1).
        ///   - maxDownloadRestarts: Restarts allowed when a blob changes mid-download.
        ///   - mintedSASLifetime: The lifetime of minted SAS tokens.
        ///   - maximumConnections: The most simultaneous connections.
        package init(
            retry: BlobRetryPolicy = BlobRetryPolicy(),
            downloadChunkSize: Int = 8 << 20,
            singleUploadThreshold: Int = 32 << 20,
            uploadBlockSize: Int = 8 << 20,
            parallelism: Int = 8,
            maxDownloadRestarts: Int = 2,
            mintedSASLifetime: Duration = .seconds(3600),
            maximumConnections: Int = 64
        ) {
            self.retry = retry
            self.downloadChunkSize = max(64 << 10, downloadChunkSize)
            self.singleUploadThreshold = max(0, singleUploadThreshold)
            self.uploadBlockSize = max(64 << 10, uploadBlockSize)
            self.parallelism = max(1, parallelism)
            self.maxDownloadRestarts = max(0, maxDownloadRestarts)
            self.mintedSASLifetime = mintedSASLifetime
            self.maximumConnections = max(1, maximumConnections)
        }
    }
}
