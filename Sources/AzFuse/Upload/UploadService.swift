import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The upload side of one ``AzFuseClient`` instance, and the one entry point the facade calls for it.
///
/// Contract of `Sources/AzFuse/Upload`:
/// - **Guarantees.** A completed write of a mapped path is journaled durably (`<cache>/.azfuse/uploads/`) before the
///   writer moves on, so a crash loses nothing. Per blob the newest content is the one uploaded last. Every
///   journaled file ends committed, superseded by newer content, or kept on disk and marked as not uploaded (never
///   deleted); its failure is reported to whoever waits for it: the synchronous writer, or the scope the file was
///   written in, and to no other scope. Content resumed from a dead writer is uploaded under a lease
///   (``ResumeFence``), so a late request of that writer cannot replace it.
/// - **Owns.** The journals (``UploadJournal``), shared-memory staging (``SharedMemoryStaging``), the write-behind
///   queues of `withAsyncUpload` scopes (``ScopeUploaders``, ``AsyncUploader`` and its state machine), the
///   registry of files waiting for upload (``PendingUploads``), and resuming what earlier processes left.
/// - **Uses.** ``PathResolver`` (checking journal records against the mapping), ``TransferScheduler`` and
///   ``BlobClientPool`` (sending), ``AtomicFileWriter`` (the caller's write, a general cache utility),
///   ``BlobNamespace`` (naming errors, dropping a stale cached copy after `upload(localFile:to:)`).
/// - **Entry points.** ``withScope(enabled:shmAsTemp:isolation:_:)``, ``flushScope()``,
///   ``commitWrite(_:size:fallsBackToCache:isolation:_:)``, ``upload(localFile:to:)``, ``resume(paths:)``,
///   ``list()``, ``discard(paths:)``, and ``pendingUploads`` for the metadata API. Nothing else in the folder is
///   called from outside it.
final class UploadService: Sendable {
    /// The blobs whose journaled content is not uploaded yet: a file waiting for its upload exists for the metadata
    /// API, and removing a blob waits for it.
    let pendingUploads = PendingUploads()
    /// The instance's upload options; a scope's uploaders use the options of the instance that opened it.
    let options: UploadOptions
    /// Journals, sends and settles this instance's files.
    let pipeline: UploadPipeline
    /// Finds what earlier processes left, for resumes.
    let finder: AbandonedUploadFinder
    /// The instance's mapping.
    let resolver: PathResolver
    /// The native clients.
    let clients: BlobClientPool
    private let sharedMemory: SharedMemoryStaging
    /// The automatic resume started by the first scope, running in the background.
    let backgroundResume = Mutex<Task<ResumedUploads, Never>?>(nil)

    /// Creates the upload side of an instance; nothing is created on disk until the first write.
    ///
    /// - Parameters:
    ///   - options: The instance's upload options.
    ///   - resolver: The instance's mapping.
    ///   - scheduler: Sends new writes.
    ///   - clients: The native clients (resumed content, leases, `upload(localFile:to:)`).
    init(options: UploadOptions, resolver: PathResolver, scheduler: TransferScheduler, clients: BlobClientPool) {
        self.options = options
        self.resolver = resolver
        self.clients = clients
        self.sharedMemory = SharedMemoryStaging(options: options)
        let sender = UploadSender(scheduler: scheduler, clients: clients, options: options)
        self.pipeline = UploadPipeline(sender: sender, pendingUploads: pendingUploads)
        self.finder = AbandonedUploadFinder(
            pipeline: pipeline, targets: JournalRecordTargets(resolver: resolver), clients: clients)
    }

    /// Runs `body` in an upload scope (see ``AzFuseClient/withAsyncUpload(enabled:shmAsTemp:isolation:_:)``):
    /// write-behind, or synchronous writes when `enabled` is `false`. Starts the background resume at the first
    /// scope, and returns only once every file queued inside has committed or failed for good.
    ///
    /// - Throws: What `body` throws; otherwise ``AzFuseError/Code/uploadFailed`` listing the files not uploaded.
    func withScope<Value>(
        enabled: Bool,
        shmAsTemp: Bool,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Value
    ) async throws -> Value {
        guard enabled else {
            return try await UploadScope.$current.withValue(
                UploadScope(uploaders: nil, stagesInSharedMemory: false), operation: body, isolation: isolation)
        }
        let uploaders = ScopeUploaders(options: options, opener: pipeline)
        startBackgroundResume()
        let outcome: Result<Value, any Error>
        do {
            outcome = .success(
                try await UploadScope.$current.withValue(
                    UploadScope(uploaders: uploaders, stagesInSharedMemory: shmAsTemp), operation: body,
                    isolation: isolation))
        } catch {
            outcome = .failure(error)
        }
        let failures = await uploaders.flush()
        let value = try outcome.get()
        try Self.throwIfAny(failures)
        return value
    }

    /// Waits until every upload queued so far in the current scope has committed or failed (nothing to wait for
    /// outside a scope).
    ///
    /// - Throws: ``AzFuseError/Code/uploadFailed`` listing the files that failed so far.
    func flushScope() async throws {
        guard let uploaders = UploadScope.current?.uploaders else { return }
        try Self.throwIfAny(await uploaders.flush())
    }

    /// Writes a file through `write` and, for a mapped path, journals it and hands it over: to the current scope's
    /// uploader of this instance, or to a synchronous upload.
    ///
    /// In a scope with `shmAsTemp`, the file is written to shared memory when there is room (`write` runs again into
    /// the cache folder if that fails and `fallsBackToCache`), journaled, and the cache file made a link to it.
    ///
    /// - Parameters:
    ///   - resolved: The path written.
    ///   - size: The size of the content, if known in advance (to check for room in shared memory).
    ///   - fallsBackToCache: Whether `write` may run again into the cache folder if writing to shared memory fails.
    ///   - isolation: Where `write` runs.
    ///   - write: Writes the file atomically at the destination it is given, with the given permissions.
    /// - Returns: What `write` returns.
    /// - Throws: What `write` throws, or ``AzFuseError`` naming the path.
    func commitWrite<Value>(
        _ resolved: ResolvedPath,
        size: Int64? = nil,
        fallsBackToCache: Bool = false,
        isolation: isolated (any Actor)? = #isolation,
        _ write: (String, AtomicFileWriter.Permissions) async throws -> Value
    ) async throws -> Value {
        guard let blob = resolved.blob else { return try await write(resolved.path, .regular) }
        guard !CacheLayout.isInternal(relativePath: blob.relativePath) else {
            throw CacheLayout.reservedPathError(path: resolved.path)
        }
        do {
            try SafePath.verifyFolders(forFile: blob.cachePath, inside: blob.cacheRoot)
        } catch let error as AzFuseError {
            throw CacheStore.naming(error, path: resolved.path, cacheRoot: blob.cacheRoot)
        }
        let scope = UploadScope.current
        let uploader = scope?.uploaders?.uploader(for: pipeline)
        if let uploader, scope?.stagesInSharedMemory == true, sharedMemory.prepareFolder(),
            sharedMemory.hasRoom(for: size)
        {
            let staged = sharedMemory.newStagingPath(for: blob.cachePath)
            let value: Value
            do {
                value = try await write(staged, .ownerOnly)
            } catch let error as AzFuseError where fallsBackToCache && error.code == .fileSystem {
                return try await commitToCache(resolved, blob, uploader: uploader, write)
            }
            UploadTestHooks.reached(.stagedBeforeJournal, path: resolved.path)
            // Journaled before the cache points at it: published content always has a record.
            let pending: PendingUpload
            do {
                pending = try await pipeline.record(
                    blob, logicalPath: resolved.path, content: staged, inSharedMemory: true)
            } catch {
                unlink(staged)
                unlink(SharedMemoryStaging.marker(of: staged))
                throw error
            }
            do {
                try SharedMemoryStaging.linkCacheFile(blob.cachePath, to: staged)
            } catch {
                await pipeline.superseded(pending)
                throw error
            }
            await uploader.submit(pending)
            return value
        }
        return try await commitToCache(resolved, blob, uploader: uploader, write)
    }

    private func commitToCache<Value>(
        _ resolved: ResolvedPath,
        _ blob: BlobTarget,
        uploader: AsyncUploader?,
        isolation: isolated (any Actor)? = #isolation,
        _ write: (String, AtomicFileWriter.Permissions) async throws -> Value
    ) async throws -> Value {
        let value: Value
        let pending: PendingUpload
        do {
            value = try await write(blob.cachePath, .ownerOnly)
            UploadTestHooks.reached(.publishedBeforeJournal, path: resolved.path)
            pending = try await pipeline.record(
                blob, logicalPath: resolved.path, content: blob.cachePath, inSharedMemory: false)
        } catch let error as AzFuseError {
            throw CacheStore.naming(error, path: resolved.path, cacheRoot: blob.cacheRoot)
        }
        if let uploader {
            await uploader.submit(pending)
        } else {
            try await pipeline.uploadNow(pending)
        }
        return value
    }

    /// Throws one ``AzFuseError/Code/uploadFailed`` listing `failures`, if there are any.
    static func throwIfAny(_ failures: [AzFuseError]) throws {
        guard !failures.isEmpty else { return }
        var error = AzFuseError(
            .uploadFailed,
            "\(failures.count) file(s) could not be uploaded; their content is kept on disk where each error says, "
                + "marked as not uploaded; File.resumePendingUploads() retries")
        error.fileErrors = failures
        throw error
    }
}
