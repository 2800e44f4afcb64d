import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An ``AzFuse`` instance's upload machinery: journals per cache folder, shared-memory staging, synchronous uploads,
/// and the hand-over of journaled files to the transfer scheduler.
final class UploadPipeline: Sendable {
    private struct State {
        var journals: [String: UploadJournal] = [:]
        /// Record files currently queued or uploading in this process; resuming skips them.
        var active: Set<String> = []
        var resumedAutomatically = false
    }

    let scheduler: TransferScheduler
    let options: UploadOptions
    let sharedMemory: SharedMemoryStaging
    /// The blobs whose journaled content is not uploaded yet, for the metadata API.
    let pendingUploads = PendingUploads()
    private let resolver: PathResolver
    private let state = Mutex(State())

    init(scheduler: TransferScheduler, options: UploadOptions, resolver: PathResolver) {
        self.scheduler = scheduler
        self.options = options
        self.sharedMemory = SharedMemoryStaging(options: options)
        self.resolver = resolver
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
            let (record, path) = try await BlockingIO.run {
                try journal.record(
                    target: target, logicalPath: logicalPath, content: content, inSharedMemory: inSharedMemory)
            }
            state.withLock { _ = $0.active.insert(path) }
            pendingUploads.begin(target, record: path)
            return PendingUpload(record: record, recordPath: path, target: target, pipeline: self)
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
            try await scheduler.upload(pending.item)
        } catch {
            let failure = await keepFailed(pending, error: error)
            throw failure
        }
        await completed(pending)
    }

    /// Uploads many recorded files together and returns one outcome per file, in order.
    func upload(_ pendings: [PendingUpload]) async -> [Result<Void, any Error>] {
        await scheduler.upload(pendings.map(\.item))
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
        state.withLock { _ = $0.active.remove(recordPath) }
        pendingUploads.end(record: recordPath)
    }

    /// Newer content of the same blob replaced this upload before it was sent: drops its record and snapshot.
    func superseded(_ pending: PendingUpload) async {
        let record = pending.record
        let recordPath = pending.recordPath
        _ = try? await BlockingIO.run { UploadJournal.remove(record, at: recordPath) }
        state.withLock { _ = $0.active.remove(recordPath) }
        pendingUploads.end(record: recordPath)
    }

    /// An upload failed for good: keeps its content on disk (moving it out of shared memory into the journal and the
    /// cache) and returns the error to report, saying where the content is.
    func keepFailed(_ pending: PendingUpload, error: any Error) async -> AzFuseError {
        let original = pending.record
        let recordPath = pending.recordPath
        let cacheRoot = pending.target.cacheRoot
        let moved = try? await BlockingIO.run { () -> UploadJournalRecord in
            var record = original
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
            }
            return try UploadJournal.release(record, at: recordPath, cacheRoot: cacheRoot).record
        }
        state.withLock { _ = $0.active.remove(recordPath) }
        pendingUploads.end(record: recordPath)
        let record = moved ?? original
        let cause = (error as? AzFuseError) ?? AzFuseError(.transferFailed, "\(error)", underlying: error)
        let kept =
            record.inSharedMemory
            ? "the content is kept in shared memory at \(record.snapshot) (lost if the machine restarts)"
            : "the content is kept in the cache at \(record.cachePath) and in the upload journal at "
                + record.snapshot
        var failure = AzFuseError(
            .uploadFailed,
            "could not upload to \(pending.target.blobName) (\(cause.code): \(cause.message)); \(kept), marked as "
                + "not uploaded; File.resumePendingUploads() retries", path: record.logicalPath,
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

    /// The journaled uploads no live uploader owns: abandoned by a process that died, or failed earlier in this one.
    ///
    /// Newer content of the same blob wins later in the uploader; a record whose cache file has since been replaced
    /// by newer content (a later write) is dropped here. A shared-memory record whose staged file is gone (the
    /// machine restarted) is dropped and reported.
    ///
    /// - Returns: The uploads to queue, and errors for records whose content is gone.
    func abandonedUploads() async -> (uploads: [PendingUpload], lost: [AzFuseError]) {
        let cacheRoots = Set(resolver.cacheRoots)
        var uploads: [PendingUpload] = []
        var lost: [AzFuseError] = []
        for cacheRoot in cacheRoots.sorted() {
            guard FileManager.default.fileExists(atPath: UploadJournal.uploadsFolder(cacheRoot: cacheRoot)),
                let journal = try? journal(for: cacheRoot)
            else { continue }
            let active = state.withLock { $0.active }
            let records = (try? await BlockingIO.run { journal.adoptAbandoned(excluding: active) }) ?? []
            for (record, path) in records {
                guard let target = resolver.target(cacheRoot: cacheRoot, record: record) else {
                    lost.append(
                        AzFuseError(
                            .uploadFailed,
                            "a pending upload from an earlier run names a mount or storage account that is no longer "
                                + "configured; its record is kept at \(path)", path: record.logicalPath))
                    continue
                }
                var status = stat()
                if record.inSharedMemory && stat(record.snapshot, &status) != 0 {
                    UploadJournal.remove(record, at: path)
                    lost.append(
                        AzFuseError(
                            .uploadFailed,
                            "content written by an earlier run was staged in shared memory at \(record.snapshot) and "
                                + "is gone (the machine restarted?); it was never uploaded", path: record.logicalPath))
                    continue
                }
                guard stat(record.snapshot, &status) == 0, Int64(status.st_size) == record.size else {
                    // A power loss can leave a recorded file shorter than what was written (its data had not reached
                    // the disk); uploading it would replace a good blob with a damaged one.
                    let found = stat(record.snapshot, &status) == 0 ? "\(status.st_size)" : "no"
                    UploadJournal.remove(record, at: path)
                    lost.append(
                        AzFuseError(
                            .uploadFailed,
                            "content written by an earlier run is incomplete at \(record.snapshot) (\(found) of "
                                + "\(record.size) bytes; the machine probably lost power before it reached the disk); it "
                                + "was not uploaded, so the blob keeps its previous content", path: record.logicalPath))
                    continue
                }
                if stat(record.cachePath, &status) == 0 {
                    let modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
                    if modified > record.contentModified {
                        UploadJournal.remove(record, at: path)
                        continue
                    }
                }
                state.withLock { _ = $0.active.insert(path) }
                pendingUploads.begin(target, record: path)
                uploads.append(PendingUpload(record: record, recordPath: path, target: target, pipeline: self))
            }
        }
        return (uploads, lost)
    }

    /// Whether this call is the first automatic resume of this instance.
    func claimAutomaticResume() -> Bool {
        state.withLock { state in
            defer { state.resumedAutomatically = true }
            return !state.resumedAutomatically
        }
    }

    private func journal(for cacheRoot: String) throws -> UploadJournal {
        try state.withLock { state in
            if let journal = state.journals[cacheRoot] { return journal }
            let journal = try UploadJournal(cacheRoot: cacheRoot)
            state.journals[cacheRoot] = journal
            return journal
        }
    }
}
