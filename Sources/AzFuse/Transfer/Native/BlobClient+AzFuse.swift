import AzFuseBlobClient

extension BlobClient {
    /// Creates a client for a ``StorageAccount``'s container: for the demo, the benchmark and the tests, which hold
    /// the library's account type. The library itself goes through ``ContainerClient``.
    ///
    /// - Parameters:
    ///   - account: The account, container, credentials and endpoint.
    ///   - configuration: Transfer and retry tuning.
    /// - Throws: `BlobError` `.invalidConfiguration` when the account key is not valid base64.
    package init(account: StorageAccount, configuration: Configuration = Configuration()) throws(BlobError) {
        try self.init(account: account.blobAccount, configuration: configuration)
    }
}

extension BlobClient.Configuration {
    /// The default configuration with the library's ``RetryPolicy``.
    ///
    /// - Parameter retry: How failed requests are retried, and how long each attempt may take.
    package init(retry: RetryPolicy) {
        self.init(retry: retry.blobRetryPolicy)
    }
}
