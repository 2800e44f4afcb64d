/// One queued upload as recorded on disk in an ``UploadJournal``: enough to upload the content again after a crash.
struct UploadJournalRecord: Codable, Sendable, Hashable {
    /// The record format; a reader skips records of other versions.
    var version = 1
    /// The logical path the caller wrote, for messages.
    var logicalPath: String
    /// The storage account configuration name of the mount.
    var storageAccountName: String
    /// The blob to create or replace.
    var blobName: String
    /// The path relative to the mount's local prefix.
    var relativePath: String
    /// The cache file of the path.
    var cachePath: String
    /// The file holding the content to upload: a hard link in the journal folder, or a file in shared memory.
    var snapshot: String
    /// Whether ``snapshot`` is in shared memory (lost on reboot; deleted once uploaded).
    var inSharedMemory: Bool
    /// The content's size in bytes.
    var size: Int64
    /// The content's modification time in nanoseconds since 1970: orders writes of one path (newest wins).
    var contentModified: Int64
    /// Why the last upload attempt failed for good, for records in the `failed` and `parked` folders.
    var lastError: String? = nil
}
