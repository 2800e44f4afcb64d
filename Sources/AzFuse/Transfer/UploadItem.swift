/// One local file to upload to a blob.
struct UploadItem: Sendable, Hashable {
    /// The local file to upload; it is not modified.
    let source: String
    /// The blob to create or replace (its cache path is where readers see the content locally).
    let target: BlobTarget
}
