import Foundation

/// One file written through AzFuse whose content is not uploaded yet, as recorded in an upload journal: listed by
/// ``AzFuseClient/pendingUploads()`` and `azfuse uploads list`.
public struct PendingUploadEntry: Sendable, Hashable {
    /// Where a pending upload stands.
    public enum State: String, Sendable, Hashable {
        /// Queued or uploading in a live process.
        case queued
        /// Left by a process that died; the next instance on the cache resumes it in the background.
        case abandoned
        /// Failed for good with a transient cause (network, throttling, server errors); resumed automatically.
        case failed
        /// Failed with a permanent cause (permission, authentication, not found); retried only on request
        /// (``AzFuseClient/resumePendingUploads(paths:)``, `azfuse uploads retry`).
        case parked
        /// Refused by validation (its snapshot is not AzFuse's own file, or its blob is not where its path maps);
        /// never uploaded, kept for inspection until discarded.
        case rejected
    }

    /// The logical path as it was written.
    public var path: String
    /// The blob the content goes to (container and name; the account is the mount's).
    public var blobName: String
    /// The cache file of the path.
    public var cachePath: String
    /// The size of the content, in bytes.
    public var size: Int64
    /// When the content was written.
    public var modified: Date
    /// Where the upload stands.
    public var state: State
    /// Why the last attempt failed, for failed and parked uploads.
    public var lastError: String?
    /// The journal record file.
    public var recordFile: String
}

extension PendingUploadEntry {
    /// The entry of a journal record.
    init(_ record: UploadJournalRecord, recordFile: String, state: State) {
        self.init(
            path: record.logicalPath, blobName: record.blobName, cachePath: record.cachePath, size: record.size,
            modified: Date(timeIntervalSince1970: Double(record.contentModified) / 1e9), state: state,
            lastError: record.lastError, recordFile: recordFile)
    }
}
