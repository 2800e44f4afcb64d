extension BlobClient {
    /// How a ``BlobClient`` retries failed requests.
    ///
    /// Transport errors and HTTP 408, 429, 500, 502, 503 and 504 are retried with exponential backoff and jitter;
    /// any other 4xx fails at once.
    public struct RetryPolicy: Sendable, Hashable {
        /// The most attempts per request, the first included.
        public var maxAttempts: Int
        /// The delay before the first retry; each later retry doubles it, with jitter, up to ``maxDelay``.
        public var initialDelay: Duration
        /// The longest delay between two attempts.
        public var maxDelay: Duration
        /// No retry starts once this much time has passed since the first attempt.
        public var deadline: Duration

        /// Creates a retry policy.
        ///
        /// - Parameters:
        ///   - maxAttempts: The most attempts per request (at least 1).
        ///   - initialDelay: The delay before the first retry.
        ///   - maxDelay: The longest delay between attempts.
        ///   - deadline: The time after which no retry starts.
        public init(
            maxAttempts: Int = 5,
            initialDelay: Duration = .milliseconds(800),
            maxDelay: Duration = .seconds(30),
            deadline: Duration = .seconds(300)
        ) {
            self.maxAttempts = max(1, maxAttempts)
            self.initialDelay = initialDelay
            self.maxDelay = maxDelay
            self.deadline = deadline
        }

        /// The delay before retry number `retry` (1 for the first): exponential, capped, with "equal jitter"
        /// (between half and all of the exponential value).
        func delay(beforeRetry retry: Int) -> Duration {
            let exponential = initialDelay.seconds * pow2(retry - 1)
            let capped = min(exponential, maxDelay.seconds)
            return .milliseconds(Int64(capped * Double.random(in: 0.5...1.0) * 1000))
        }

        private func pow2(_ exponent: Int) -> Double {
            Double(1 << min(max(exponent, 0), 30))
        }
    }

    /// Tuning for a ``BlobClient``: transfer sizes, parallelism, retries and timeouts.
    public struct Configuration: Sendable, Hashable {
        /// How failed requests are retried.
        public var retry: RetryPolicy
        /// The size of each ranged GET of a download; blobs up to this size take one request.
        public var downloadChunkSize: Int
        /// Blobs up to this size are uploaded with one Put Blob; larger ones in blocks.
        public var singleUploadThreshold: Int
        /// The size of each block of a block upload (raised when a blob would need more than 50,000 blocks).
        public var uploadBlockSize: Int
        /// How many ranges or blocks of one transfer are in flight at once.
        public var parallelism: Int
        /// How many times a download restarts when the blob changes under it (HTTP 412) before giving up.
        public var maxDownloadRestarts: Int
        /// How long a request may wait for data before it fails as a transport error.
        public var requestTimeout: Duration
        /// The lifetime of SAS tokens minted by ``BlobClient/authorizedURL(forBlobPrefix:permissions:)``.
        public var mintedSASLifetime: Duration
        /// The most simultaneous connections to the service.
        public var maximumConnections: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - retry: The retry policy.
        ///   - downloadChunkSize: Bytes per ranged GET (at least 64 KiB).
        ///   - singleUploadThreshold: The largest blob uploaded in one request.
        ///   - uploadBlockSize: Bytes per block (at least 64 KiB).
        ///   - parallelism: Ranges or blocks in flight per transfer (at least 1).
        ///   - maxDownloadRestarts: Restarts allowed when a blob changes mid-download.
        ///   - requestTimeout: The idle timeout of a request.
        ///   - mintedSASLifetime: The lifetime of minted SAS tokens.
        ///   - maximumConnections: The most simultaneous connections.
        public init(
            retry: RetryPolicy = RetryPolicy(),
            downloadChunkSize: Int = 8 << 20,
            singleUploadThreshold: Int = 32 << 20,
            uploadBlockSize: Int = 8 << 20,
            parallelism: Int = 8,
            maxDownloadRestarts: Int = 2,
            requestTimeout: Duration = .seconds(60),
            mintedSASLifetime: Duration = .seconds(3600),
            maximumConnections: Int = 64
        ) {
            self.retry = retry
            self.downloadChunkSize = max(64 << 10, downloadChunkSize)
            self.singleUploadThreshold = max(0, singleUploadThreshold)
            self.uploadBlockSize = max(64 << 10, uploadBlockSize)
            self.parallelism = max(1, parallelism)
            self.maxDownloadRestarts = max(0, maxDownloadRestarts)
            self.requestTimeout = requestTimeout
            self.mintedSASLifetime = mintedSASLifetime
            self.maximumConnections = max(1, maximumConnections)
        }
    }
}
