/// What one request to ``TransferScheduler`` asks for: one blob to download into its cache file, or one file to
/// upload to its blob.
enum TransferWork: Sendable {
    case download(BlobTarget)
    case upload(UploadItem)

    /// The lane a request waits in: requests of one lane can go out in one batch.
    struct LaneKey: Hashable, Sendable {
        /// Whether the lane holds uploads (otherwise downloads).
        let isUpload: Bool
        /// The storage endpoint.
        let endpoint: String
        /// The container.
        let container: String
        /// The cache folder a download batch lands in; empty for uploads, which can come from anywhere.
        let cacheRoot: String

        init(_ target: BlobTarget, isUpload: Bool) {
            self.isUpload = isUpload
            endpoint = target.account.endpoint.absoluteString
            container = target.container
            cacheRoot = isUpload ? "" : target.cacheRoot
        }
    }

    /// The blob (or cache file) the work is about: requests with the same key in one batch are sent once.
    var key: String {
        switch self {
        case .download(let target): target.cachePath
        case .upload(let item): item.target.blobName
        }
    }

    /// The lane this work waits in.
    var lane: LaneKey {
        switch self {
        case .download(let target): LaneKey(target, isUpload: false)
        case .upload(let item): LaneKey(item.target, isUpload: true)
        }
    }
}
