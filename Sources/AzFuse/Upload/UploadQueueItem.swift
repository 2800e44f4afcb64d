/// What ``AsyncUploaderStateMachine`` needs to know of a queued upload: which blob it replaces, how big it is, and
/// which of two uploads of one blob holds the newer content.
protocol UploadQueueItem: Sendable {
    /// Uploads of the same blob share this key: the newest content wins.
    var blobKey: String { get }
    /// The content's size in bytes, counted against ``UploadOptions/maxPendingBytes``.
    var size: Int64 { get }
    /// The journal record: submitting the same record twice queues it once.
    var recordPath: String { get }
    /// The logical path written, for resume reports.
    var logicalPath: String { get }

    /// Whether this content was written after `other`'s.
    func isNewer(than other: Self) -> Bool
}
