extension AzCopyEngine {
    /// One blob to download to a local file.
    struct DownloadItem: Sendable, Hashable {
        /// The blob's name inside the container, for example `data/images/cat.png`.
        var blobName: String
        /// The absolute path of the local file to create or replace. Its parent folders are created as needed, and
        /// it need not share any name with the blob.
        var destination: String
        /// The size the blob should have, if known; a different size fails the item with `.integrityCheckFailed`.
        var expectedSize: Int64?

        /// Creates a download item.
        init(blobName: String, destination: String, expectedSize: Int64? = nil) {
            self.blobName = blobName
            self.destination = destination
            self.expectedSize = expectedSize
        }
    }

    /// One local file to upload to a blob.
    struct UploadItem: Sendable, Hashable {
        /// The absolute path of the local file to upload.
        var source: String
        /// The name of the blob to create or replace; it need not share any name with the local file.
        var blobName: String
    }

    /// The outcome of one item of a batch.
    struct BatchItemResult: Sendable {
        /// The blob concerned.
        var blobName: String
        /// The local file concerned (the download destination or the upload source).
        var localPath: String
        /// Success, or the error that failed this item only.
        var outcome: Result<Void, AzFuseError>

        /// Whether the item succeeded.
        var succeeded: Bool {
            if case .success = outcome { return true }
            return false
        }

        /// The item's error, if it failed.
        var error: AzFuseError? {
            if case .failure(let error) = outcome { return error }
            return nil
        }
    }
}
