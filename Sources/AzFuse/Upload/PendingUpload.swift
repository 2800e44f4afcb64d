/// A journaled upload held in memory: the record, where it is stored, and the blob it goes to.
struct PendingUpload: UploadQueueItem {
    /// What is recorded on disk.
    let record: UploadJournalRecord
    /// The record file.
    let recordPath: String
    /// The blob and cache file.
    let target: BlobTarget
    /// Whether this content was left by an earlier run (uploaded under a ``ResumeFence`` lease).
    var isResumed = false
    /// When the resume that adopted this record started: the fence's lease is held from then on.
    var resumeStarted: ContinuousClock.Instant?

    /// What the transfer engines upload.
    var item: UploadItem { UploadItem(source: record.snapshot, target: target) }

    /// Uploads of the same blob share this key: the newest content wins.
    var blobKey: String { "\(target.account.endpoint.absoluteString)/\(target.container)/\(target.blobName)" }

    /// The content's size in bytes.
    var size: Int64 { record.size }

    /// The logical path written.
    var logicalPath: String { record.logicalPath }

    /// Whether this content was written after `other`'s.
    func isNewer(than other: PendingUpload) -> Bool {
        (record.contentModified, recordPath) > (other.record.contentModified, other.recordPath)
    }
}
