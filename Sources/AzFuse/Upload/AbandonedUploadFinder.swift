import AzFuseBlobClient
import AzFuseSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Finds the journaled uploads no live uploader owns, in the journals of every mount's cache folder, and hands them
/// to a pipeline: what a resume uploads.
struct AbandonedUploadFinder: Sendable {
    /// The pipeline that adopts the records (and whose journals hold the adopted copies).
    let pipeline: UploadPipeline
    /// The mapping records are checked against.
    let targets: JournalRecordTargets
    /// The clients that tell whether a blob already holds some content.
    let clients: BlobClientPool

    /// The journaled uploads no live uploader owns: abandoned by a process that died, or failed earlier.
    ///
    /// Every record is validated first (``UploadJournal/snapshotProblem(_:recordPath:)``, and its blob against the
    /// mapping); refused records are reported and never uploaded. A record whose cache file has since been replaced
    /// by newer content is dropped when a record covers that content; when none does (the writer died between
    /// publishing the file and journaling it), the cache file's content is journaled and uploaded instead. A
    /// shared-memory record whose staged file is gone (the machine restarted) is dropped and reported.
    ///
    /// - Parameters:
    ///   - includingParked: Whether records parked after a permanent failure are retried too.
    ///   - selected: When given, only the records it accepts.
    /// - Returns: The uploads to queue, and errors for records refused or whose content is gone.
    func find(
        includingParked: Bool, selected: (@Sendable (UploadJournalRecord) -> Bool)? = nil
    ) async -> (uploads: [PendingUpload], lost: [AzFuseError]) {
        let started = ContinuousClock.now
        var uploads: [PendingUpload] = []
        var lost: [AzFuseError] = []
        for cacheRoot in Set(targets.resolver.cacheRoots).sorted() {
            guard FileManager.default.fileExists(atPath: UploadJournal.uploadsFolder(cacheRoot: cacheRoot)),
                let journal = try? pipeline.journal(for: cacheRoot)
            else { continue }
            let (records, rejected) =
                (try? await BlockingIO.run { [pipeline] in
                    journal.adoptAbandoned(
                        excluding: { path in pipeline.isActive(path) },
                        includingParked: includingParked, selected: selected)
                }) ?? ([], [])
            lost += rejected
            for (record, path) in records {
                switch await check(record, at: path, cacheRoot: cacheRoot, journal: journal) {
                case .failure(let error):
                    lost.append(error)
                case .success(nil):
                    continue
                case .success(let pending?):
                    var pending = pending
                    pending.isResumed = true
                    pending.resumeStarted = started
                    pipeline.adopt(pending)
                    uploads.append(pending)
                }
            }
        }
        return (uploads, lost)
    }

    /// Checks one adopted record: the pending upload to queue, `nil` to drop it, or why it is refused or lost.
    private func check(
        _ record: UploadJournalRecord, at path: String, cacheRoot: String, journal: UploadJournal
    ) async -> Result<PendingUpload?, AzFuseError> {
        let target: BlobTarget
        switch targets.target(cacheRoot: cacheRoot, record: record) {
        case .failure(let error):
            _ = try? await BlockingIO.run { UploadJournal.reject(record, at: path, cacheRoot: cacheRoot) }
            return .failure(error)
        case .success(let resolved):
            target = resolved
        }
        var status = stat()
        if record.inSharedMemory && stat(record.snapshot, &status) != 0 {
            UploadJournal.remove(record, at: path)
            return .failure(
                AzFuseError(
                    .uploadFailed,
                    "content written by an earlier run was staged in shared memory at \(record.snapshot) and is gone "
                        + "(the machine restarted?); it was never uploaded", path: record.logicalPath))
        }
        guard stat(record.snapshot, &status) == 0, Int64(status.st_size) == record.size else {
            // A power loss can leave a recorded file shorter than what was written (its data had not reached the
            // disk); uploading it would replace a good blob with a damaged one.
            let found = stat(record.snapshot, &status) == 0 ? "\(status.st_size)" : "no"
            UploadJournal.remove(record, at: path)
            return .failure(
                AzFuseError(
                    .uploadFailed,
                    "content written by an earlier run is incomplete at \(record.snapshot) (\(found) of \(record.size) "
                        + "bytes; the machine probably lost power before it reached the disk); it was not uploaded, so "
                        + "the blob keeps its previous content", path: record.logicalPath))
        }
        if stat(record.cachePath, &status) == 0 {
            let modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
            if modified > record.contentModified {
                return await replaceWithCacheContent(
                    record, at: path, target: target, modified: modified, journal: journal)
            }
        }
        return .success(PendingUpload(record: record, recordPath: path, target: target))
    }

    /// The cache file holds newer content than the record: drops the record, and journals the cache file's content
    /// in its place when no record covers it (its writer died after publishing it, before journaling it).
    private func replaceWithCacheContent(
        _ record: UploadJournalRecord, at path: String, target: BlobTarget, modified: Int64, journal: UploadJournal
    ) async -> Result<PendingUpload?, AzFuseError> {
        let uploadsFolder = UploadJournal.uploadsFolder(cacheRoot: target.cacheRoot)
        let covered =
            (try? await BlockingIO.run {
                UploadJournal.newestRecorded(cachePath: record.cachePath, in: uploadsFolder).map { $0 >= modified }
                    ?? false
            }) ?? true
        if covered {
            UploadJournal.remove(record, at: path)
            return .success(nil)
        }
        if await blobAlreadyHolds(record.cachePath, target: target) {
            // A download after the crash (the blob's content), not an unjournaled write.
            UploadJournal.remove(record, at: path)
            return .success(nil)
        }
        do {
            let isLink = Syscall.kind(of: record.cachePath, followingLinks: false) == .symbolicLink
            let content =
                isLink ? try FileManager.default.destinationOfSymbolicLink(atPath: record.cachePath) : target.cachePath
            if isLink {
                let parent = (content as NSString).deletingLastPathComponent
                guard
                    SharedMemoryStaging.isPrivateFolder(parent)
                        || SharedMemoryStaging.isPrivateFolder(
                            (parent as NSString).deletingLastPathComponent)
                else {
                    UploadJournal.remove(record, at: path)
                    return .success(nil)
                }
            }
            let (newRecord, newPath) = try await BlockingIO.run { [pipeline] in
                try journal.record(
                    target: target, logicalPath: record.logicalPath, content: content, inSharedMemory: isLink
                ) { path in pipeline.claim(path) }
            }
            UploadJournal.remove(record, at: path)
            return .success(PendingUpload(record: newRecord, recordPath: newPath, target: target))
        } catch {
            return .failure(
                AzFuseError(
                    .uploadFailed,
                    "the cache file \(record.cachePath) holds newer content than its pending upload record \(path), "
                        + "but it could not be journaled (\(error)); run File.resumePendingUploads() again",
                    path: record.logicalPath))
        }
    }

    /// Whether the blob's stored MD5 is that of the file at `path` (following a link into shared memory).
    private func blobAlreadyHolds(_ path: String, target: BlobTarget) async -> Bool {
        guard let client = try? clients.client(for: target.account),
            let stored = try? await client.properties(of: target.blobName).contentMD5,
            let reader = try? SequentialFileReader(path: path)
        else { return false }
        var remaining = reader.size
        while remaining > 0 {
            guard let chunk = try? await reader.readNext(8 << 20), !chunk.isEmpty else { return false }
            remaining -= Int64(chunk.count)
        }
        return (try? reader.finishedMD5()) == stored
    }
}
