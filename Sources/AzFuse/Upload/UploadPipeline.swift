import AzFuseBlobClient
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An ``AzFuseClient`` instance's upload machinery: journals per cache folder, shared-memory staging, synchronous uploads,
/// and the hand-over of journaled files to the transfer scheduler.
final class UploadPipeline: Sendable {
    private struct State {
        var journals: [String: UploadJournal] = [:]
        /// Record files currently queued or uploading in this process; resuming skips them.
        var active: Set<String> = []
        var resumedAutomatically = false
        /// The automatic resume started by the first scope, running in the background.
        var backgroundResume: Task<ResumedUploads, Never>?
        /// The newest content written through this instance per blob (modification time), to drop older resumed
        /// content.
        var newestWrite: [String: Int64] = [:]
        /// Resumed uploads being sent, per blob: a new write of the blob waits for them, so it lands last.
        var resumesInFlight: [String: Int] = [:]
        /// Leases held on blobs after a resume (see ``ResumeFence``): new writes of the blob upload with it.
        var fences: [String: String] = [:]
    }

    let scheduler: TransferScheduler
    let options: UploadOptions
    let sharedMemory: SharedMemoryStaging
    /// The blobs whose journaled content is not uploaded yet, for the metadata API.
    let pendingUploads = PendingUploads()
    private let resolver: PathResolver
    private let clients: BlobClientPool
    private let state = Mutex(State())

    init(scheduler: TransferScheduler, options: UploadOptions, resolver: PathResolver, clients: BlobClientPool) {
        self.scheduler = scheduler
        self.options = options
        self.sharedMemory = SharedMemoryStaging(options: options)
        self.resolver = resolver
        self.clients = clients
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
                        state.withLock { _ = $0.active.insert(path) }
                    }
                }
            } catch {
                if let path = claimed.withLock({ $0 }) { state.withLock { _ = $0.active.remove(path) } }
                throw error
            }
            let pending = PendingUpload(record: record, recordPath: path, target: target, pipeline: self)
            state.withLock {
                $0.newestWrite[pending.blobKey] = max($0.newestWrite[pending.blobKey] ?? .min, record.contentModified)
            }
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

    /// Uploads many recorded files together and returns one outcome per file, in order.
    ///
    /// Resumed content goes up one by one under a lease (``ResumeFence``), and fails with ``Superseded`` when this
    /// instance has written newer content of the blob; new writes of a blob wait until resumed uploads of it are
    /// done, and use the fence's lease while one is held.
    func upload(_ pendings: [PendingUpload]) async -> [Result<Void, any Error>] {
        var outcomes = [Result<Void, any Error>](repeating: .success(()), count: pendings.count)
        let resumed = pendings.indices.filter { pendings[$0].isResumed }
        if !resumed.isEmpty {
            await withTaskGroup(of: (Int, Result<Void, any Error>).self) { group in
                var next = 0
                func startNext() {
                    guard next < resumed.count else { return }
                    let index = resumed[next]
                    let pending = pendings[index]
                    next += 1
                    group.addTask { (index, await self.uploadResumed(pending)) }
                }
                for _ in 0..<min(8, resumed.count) { startNext() }
                for await (index, outcome) in group {
                    outcomes[index] = outcome
                    startNext()
                }
            }
        }
        var plain: [Int] = []
        var leased: [(Int, String)] = []
        for (index, pending) in pendings.enumerated() where !pending.isResumed {
            await waitForResumes(of: pending.blobKey)
            if let lease = state.withLock({ $0.fences[pending.blobKey] }) {
                leased.append((index, lease))
            } else {
                plain.append(index)
            }
        }
        for (index, lease) in leased {
            outcomes[index] = await Self.leasedUpload(pendings[index], lease: lease, clients: clients)
        }
        if !plain.isEmpty {
            let results = await scheduler.upload(plain.map { pendings[$0].item })
            for (index, result) in zip(plain, results) { outcomes[index] = result }
        }
        return outcomes
    }

    /// Newer content of the blob was written through this instance: the resumed content is not uploaded.
    struct Superseded: Error {}

    private static func leasedUpload(
        _ pending: PendingUpload, lease: String, clients: BlobClientPool
    ) async -> Result<Void, any Error> {
        do {
            let client = try clients.client(for: pending.target.account)
            _ = try await ResumeFence.upload(pending.item, client: client, leaseID: lease)
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    private func uploadResumed(_ pending: PendingUpload) async -> Result<Void, any Error> {
        let key = pending.blobKey
        let superseded = state.withLock { state -> Bool in
            if let newest = state.newestWrite[key], newest > pending.record.contentModified { return true }
            state.resumesInFlight[key, default: 0] += 1
            return false
        }
        if superseded { return .failure(Superseded()) }
        defer {
            state.withLock { state in
                state.resumesInFlight[key, default: 1] -= 1
                if state.resumesInFlight[key] == 0 { state.resumesInFlight[key] = nil }
            }
        }
        guard options.resumeFence > .zero else { return await scheduler.upload([pending.item])[0] }
        do {
            let client = try clients.client(for: pending.target.account)
            let deadline = (pending.resumeStarted ?? .now) + options.resumeFence
            let lease: String
            if let held = state.withLock({ $0.fences[key] }) {
                _ = try await ResumeFence.upload(pending.item, client: client, leaseID: held)
                return .success(())
            }
            lease = try await ResumeFence.upload(pending.item, client: client)
            state.withLock { $0.fences[key] = lease }
            let blob = pending.target.blobName
            Task.detached { [self] in
                await ResumeFence.hold(blob: blob, id: lease, client: client, until: deadline)
                state.withLock { state in
                    if state.fences[key] == lease { state.fences[key] = nil }
                }
            }
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    private func waitForResumes(of key: String) async {
        var delay = Duration.milliseconds(2)
        while state.withLock({ $0.resumesInFlight[key] != nil }) {
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(100))
        }
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
        state.withLock { _ = $0.active.remove(recordPath) }
        pendingUploads.end(record: recordPath)
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
    func abandonedUploads(
        includingParked: Bool, selected: (@Sendable (UploadJournalRecord) -> Bool)? = nil
    ) async -> (uploads: [PendingUpload], lost: [AzFuseError]) {
        let started = ContinuousClock.now
        var uploads: [PendingUpload] = []
        var lost: [AzFuseError] = []
        for cacheRoot in Set(resolver.cacheRoots).sorted() {
            guard FileManager.default.fileExists(atPath: UploadJournal.uploadsFolder(cacheRoot: cacheRoot)),
                let journal = try? journal(for: cacheRoot)
            else { continue }
            let (records, rejected) =
                (try? await BlockingIO.run { [self] in
                    journal.adoptAbandoned(
                        excluding: { path in self.state.withLock { $0.active.contains(path) } },
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
                    state.withLock { _ = $0.active.insert(pending.recordPath) }
                    pendingUploads.begin(pending.target, record: pending.recordPath)
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
        switch resolver.target(cacheRoot: cacheRoot, record: record) {
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
        return .success(PendingUpload(record: record, recordPath: path, target: target, pipeline: self))
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
            var status = stat()
            let isLink = lstat(record.cachePath, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK
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
            let (newRecord, newPath) = try await BlockingIO.run { [self] in
                try journal.record(
                    target: target, logicalPath: record.logicalPath, content: content, inSharedMemory: isLink
                ) { path in state.withLock { _ = $0.active.insert(path) } }
            }
            UploadJournal.remove(record, at: path)
            return .success(PendingUpload(record: newRecord, recordPath: newPath, target: target, pipeline: self))
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

    /// Resumes, in the background, what earlier processes left (not parked records); at most once per instance.
    func startBackgroundResume(_ run: @escaping @Sendable () async -> ResumedUploads) {
        state.withLock { state in
            guard !state.resumedAutomatically else { return }
            state.resumedAutomatically = true
            state.backgroundResume = Task { await run() }
        }
    }

    /// The outcome of the background resume, once it is over (`nil` if none was started).
    func backgroundResumeOutcome() async -> ResumedUploads? {
        guard let task = state.withLock({ $0.backgroundResume }) else { return nil }
        return await task.value
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
