import AzFuseBlobClient
import AzFuseSystem
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One ``AzFuseClient`` instance's journaling and settling of uploads: a journal per cache folder, the records held
/// by live uploaders, and what happens to a file once its upload is over (committed, superseded, failed for good).
///
/// Every file goes through ``record(_:logicalPath:content:inSharedMemory:)`` (durably journaled before the writer
/// moves on), is sent with ``uploadNow(_:)`` or by an ``AsyncUploader`` through ``upload(_:)``, and is settled with
/// exactly one of ``completed(_:)``, ``superseded(_:)`` or ``keepFailed(_:error:)``; the ``PendingUploads`` registry
/// holds it in between.
final class UploadPipeline: Sendable {
    private struct State {
        var journals: [String: UploadJournal] = [:]
        /// Record files currently queued or uploading in this process; resuming skips them.
        var active: Set<String> = []
    }

    /// The blobs whose journaled content is not uploaded yet, for the metadata API.
    let pendingUploads: PendingUploads
    private let sender: UploadSender
    private let state = Mutex(State())

    /// Creates the pipeline of one instance.
    ///
    /// - Parameters:
    ///   - sender: Sends the files.
    ///   - pendingUploads: The registry to keep up to date.
    init(sender: UploadSender, pendingUploads: PendingUploads) {
        self.sender = sender
        self.pendingUploads = pendingUploads
    }

    /// Records that `content` must be uploaded to `target`, durably, before the writer moves on.
    ///
    /// - Parameters:
    ///   - target: The blob and cache file.
    ///   - logicalPath: The path the caller wrote.
    ///   - content: The cache file, or the staged file in shared memory.
    ///   - inSharedMemory: Whether `content` is in shared memory.
    /// - Throws: ``AzFuseError`` with code ``AzFuseError/Code/uploadFailed`` if the journal cannot be written.
    func record(
        _ target: BlobTarget, logicalPath: String, content: String, inSharedMemory: Bool
    ) async throws -> PendingUpload {
        do {
            let journal = try journal(for: target.cacheRoot)
            let claimed = Mutex<String?>(nil)
            let (record, path): (UploadJournalRecord, String)
            do {
                (record, path) = try await BlockingIO.run { [self] in
                    try journal.record(
                        target: target, logicalPath: logicalPath, content: content, inSharedMemory: inSharedMemory
                    ) { path in
                        claimed.withLock { $0 = path }
                        claim(path)
                    }
                }
            } catch {
                if let path = claimed.withLock({ $0 }) { state.withLock { _ = $0.active.remove(path) } }
                throw error
            }
            let pending = PendingUpload(record: record, recordPath: path, target: target)
            sender.noteWrite(blobKey: pending.blobKey, modified: record.contentModified)
            pendingUploads.begin(target, record: path)
            return pending
        } catch let error as AzFuseError {
            throw AzFuseError(
                .uploadFailed,
                "the new content is at \(content) but could not be queued for upload (\(error.message)); it was not "
                    + "uploaded", path: logicalPath, underlying: error)
        }
    }

    /// Uploads a recorded file now (a synchronous write): returns once the blob is committed.
    ///
    /// - Throws: ``AzFuseError`` ``AzFuseError/Code/uploadFailed`` saying where the content is kept.
    func uploadNow(_ pending: PendingUpload) async throws {
        do {
            try await upload([pending])[0].get()
        } catch {
            let failure = await keepFailed(pending, error: error)
            throw failure
        }
        await completed(pending)
    }

    /// Uploads many recorded files together and returns one outcome per file, in order (see ``UploadSender``).
    func upload(_ pendings: [PendingUpload]) async -> [Result<Void, any Error>] {
        await sender.upload(pendings)
    }

    /// An upload committed: promotes shared-memory content into the cache and removes the record and snapshot.
    func completed(_ pending: PendingUpload) async {
        let record = pending.record
        let recordPath = pending.recordPath
        _ = try? await BlockingIO.run {
            if record.inSharedMemory {
                SharedMemoryStaging.promote(record.snapshot, from: record.snapshot, into: record.cachePath)
            }
            UploadJournal.remove(record, at: recordPath)
        }
        release(recordPath)
    }

    /// Newer content of the same blob replaced this upload before it was sent: drops its record and snapshot.
    func superseded(_ pending: PendingUpload) async {
        let record = pending.record
        let recordPath = pending.recordPath
        _ = try? await BlockingIO.run { UploadJournal.remove(record, at: recordPath) }
        release(recordPath)
    }

    /// An upload failed for good: keeps its content on disk (moving it out of shared memory into the journal and the
    /// cache) and returns the error to report, saying where the content is.
    func keepFailed(_ pending: PendingUpload, error: any Error) async -> AzFuseError {
        let original = pending.record
        let recordPath = pending.recordPath
        let cacheRoot = pending.target.cacheRoot
        let cause = (error as? AzFuseError) ?? AzFuseError(.transferFailed, "\(error)", underlying: error)
        let parked = Self.isPermanent(cause)
        let moved = try? await BlockingIO.run { () -> UploadJournalRecord in
            var record = original
            record.lastError = "\(cause.code): \(cause.message)"
            if original.inSharedMemory {
                record.snapshot = String(recordPath.dropLast(5)) + ".data"
                record.inSharedMemory = false
                let temporary = record.snapshot + ".copy"
                unlink(temporary)
                try FileManager.default.copyItem(atPath: original.snapshot, toPath: temporary)
                try LocalFile.rename(temporary, to: record.snapshot)
                try UploadJournal.rewrite(record, at: recordPath)
                SharedMemoryStaging.promote(original.snapshot, from: record.snapshot, into: original.cachePath)
                unlink(original.snapshot)
                unlink(SharedMemoryStaging.marker(of: original.snapshot))
            }
            return try UploadJournal.release(record, at: recordPath, cacheRoot: cacheRoot, parked: parked).record
        }
        release(recordPath)
        let record = moved ?? original
        let kept =
            record.inSharedMemory
            ? "the content is kept in shared memory at \(record.snapshot) (lost if the machine restarts)"
            : "the content is kept in the cache at \(record.cachePath) and in the upload journal at "
                + record.snapshot
        var failure = AzFuseError(
            .uploadFailed,
            "could not upload to \(pending.target.blobName) (\(cause.code): \(cause.message)); \(kept), marked as "
                + "not uploaded\(parked ? " and parked (not retried automatically)" : ""); File.resumePendingUploads() "
                + "or 'azfuse uploads retry' retries", path: record.logicalPath,
            blob: AzFuseError.BlobLocation(
                account: pending.target.account.accountName, container: pending.target.container,
                name: pending.target.blobName),
            httpStatus: cause.httpStatus, azureErrorCode: cause.azureErrorCode, underlying: cause)
        if cause.code == .cancelled || error is CancellationError {
            failure.message =
                "the upload to \(pending.target.blobName) was cancelled; \(kept), marked as not "
                + "uploaded; File.resumePendingUploads() retries"
        }
        return failure
    }

    /// Whether a failure will not go away by itself: the credential is refused or lacks the permission, or the
    /// container is gone. Such records are parked instead of being retried at every resume.
    static func isPermanent(_ error: AzFuseError) -> Bool {
        [.permissionDenied, .authenticationFailed, .notFound].contains(error.code)
    }

    /// The journal of this instance under `cacheRoot`, created on first use.
    func journal(for cacheRoot: String) throws -> UploadJournal {
        try state.withLock { state in
            if let journal = state.journals[cacheRoot] { return journal }
            let journal = try UploadJournal(cacheRoot: cacheRoot)
            state.journals[cacheRoot] = journal
            return journal
        }
    }

    /// Whether a live uploader of this process holds the record file (resuming skips it).
    func isActive(_ recordPath: String) -> Bool {
        state.withLock { $0.active.contains(recordPath) }
    }

    /// Marks a record file as held by this process, before it appears (so a concurrent resume never adopts it).
    func claim(_ recordPath: String) {
        state.withLock { _ = $0.active.insert(recordPath) }
    }

    /// Takes over an adopted record for upload: held by this process and pending in the registry.
    func adopt(_ pending: PendingUpload) {
        claim(pending.recordPath)
        pendingUploads.begin(pending.target, record: pending.recordPath)
    }

    /// The record file is no longer held by this process, and its upload no longer pending.
    private func release(_ recordPath: String) {
        state.withLock { _ = $0.active.remove(recordPath) }
        pendingUploads.end(record: recordPath)
    }
}
