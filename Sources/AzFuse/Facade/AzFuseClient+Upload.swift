import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension AzFuseClient {
    /// Runs `body` with write-behind uploads: a completed write of a mapped path is queued and the writer moves on.
    ///
    /// ```swift
    /// try await fuse.withAsyncUpload(shmAsTemp: true) {
    ///     for step in checkpoints { try await File.write(step.bytes, to: "models/ckpt-\(step.id).bin") }
    /// }   // returns once every upload started inside has committed; throws if any failed
    /// ```
    ///
    /// - The scope covers every write in `body` and in the tasks it creates, through any ``AzFuseClient`` instance.
    /// - Each queued file is recorded in a journal under `<cache folder>/.azfuse/uploads/` before the writer moves
    ///   on, so a crash loses nothing: the first scope of a new instance on the same cache starts uploading what
    ///   earlier processes left, in the background (newest content only, under a lease so that a late request of
    ///   the dead process cannot win); ``resumePendingUploads(paths:)`` reports its outcome.
    /// - The scope throws only for files written inside it: leftovers of earlier processes, and their failures,
    ///   are not its concern.
    /// - Files queued while a transfer runs go out together, batched per account and container.
    /// - Only the newest content of a path is uploaded; a file rewritten during its upload is uploaded again.
    /// - Writers wait (asynchronously) while more than ``UploadOptions/maxPendingBytes`` wait for upload.
    /// - With `shmAsTemp`, files are written to a private folder in shared memory (`/dev/shm/azfuse-<uid>`), which
    ///   is faster than disk; the cache file points at the staged file at once, so reads see the new content, and
    ///   becomes a regular copy once the upload has committed, when the staged file is deleted. When shared memory
    ///   is short of room (``UploadOptions/sharedMemoryReserveBytes``), writes go to the cache folder instead.
    /// - The scope returns only after every queued upload has committed or failed for good, even when `body`
    ///   throws or the task is cancelled. If `body` threw, its error is rethrown unchanged; files that could not be
    ///   uploaded then stay in the journal, marked as not uploaded, and ``resumePendingUploads(paths:)`` retries and
    ///   reports them.
    /// - Scopes nest: an inner scope waits for its own uploads; `enabled: false` makes writes in it synchronous.
    ///
    /// - Parameters:
    ///   - enabled: `false` makes writes inside synchronous (each returns once its blob is committed).
    ///   - shmAsTemp: Stage written files in shared memory until they are uploaded.
    ///   - isolation: Where `body` runs; leave the default, the caller's actor (so `body` need not be `Sendable`).
    ///   - body: The code whose writes are uploaded in the background.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws; otherwise one ``AzFuseError`` with code ``AzFuseError/Code/uploadFailed``
    ///   whose ``AzFuseError/fileErrors`` lists each file that could not be uploaded after retries and where its
    ///   content is kept.
    public func withAsyncUpload<Value>(
        enabled: Bool = true,
        shmAsTemp: Bool = false,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Value
    ) async throws -> Value {
        guard enabled else {
            return try await UploadScope.$current.withValue(
                UploadScope(uploader: nil, stagesInSharedMemory: false), operation: body, isolation: isolation)
        }
        let uploader = AsyncUploader(options: configuration.upload)
        uploads.startBackgroundResume { [self] in await resume(includingParked: false) }
        let outcome: Result<Value, any Error>
        do {
            outcome = .success(
                try await UploadScope.$current.withValue(
                    UploadScope(uploader: uploader, stagesInSharedMemory: shmAsTemp), operation: body,
                    isolation: isolation))
        } catch {
            outcome = .failure(error)
        }
        let failures = await uploader.flush()
        let value = try outcome.get()
        try Self.throwIfAny(failures)
        return value
    }

    /// Waits until every upload queued so far in the current `withAsyncUpload` scope has committed or failed.
    ///
    /// Outside a scope, writes are synchronous and there is nothing to wait for.
    ///
    /// - Throws: ``AzFuseError`` ``AzFuseError/Code/uploadFailed`` listing the files that failed so far (they are
    ///   then not reported again at the end of the scope).
    public func flushUploads() async throws {
        guard let uploader = UploadScope.current?.uploader else { return }
        try Self.throwIfAny(await uploader.flush())
    }

    /// Uploads every file that was written but not uploaded: left by a process that crashed or was killed, or
    /// whose upload failed earlier (including failures parked as permanent, such as a refused credential). Only the
    /// newest content of each path is uploaded; content replaced by a later write is dropped. Waits for the
    /// background resume started by this instance's first `withAsyncUpload` scope, and includes its outcome.
    ///
    /// Every journal record is validated first: a record whose snapshot is not AzFuse's own file, or whose blob is
    /// not where its path maps with the current configuration, is reported in ``ResumedUploads/failed`` and never
    /// uploaded (it is moved to `.azfuse/uploads/rejected`).
    ///
    /// - Parameter paths: When given, only the pending uploads of these paths are retried (a record matches when it
    ///   was written under that logical path or maps to the same cache file).
    /// - Returns: The paths uploaded and the files that still could not be (their content stays on disk, marked as
    ///   not uploaded).
    /// - Throws: `CancellationError` if the task is cancelled before it starts.
    @discardableResult
    public func resumePendingUploads(paths: [String]? = nil) async throws -> ResumedUploads {
        try Task.checkCancellation()
        let background = await uploads.backgroundResumeOutcome() ?? ResumedUploads()
        return background.merged(with: await resume(includingParked: true, selected: recordSelector(paths)))
    }

    /// Selects the journal records of `paths` (by logical path as written, or by cache file), or all for `nil`.
    func recordSelector(_ paths: [String]?) -> (@Sendable (UploadJournalRecord) -> Bool)? {
        guard let paths else { return nil }
        let logical = Set(paths)
        let cacheFiles = Set(paths.compactMap { try? resolve($0).blob?.cachePath })
        return { logical.contains($0.logicalPath) || cacheFiles.contains($0.cachePath) }
    }

    private func resume(
        includingParked: Bool, selected: (@Sendable (UploadJournalRecord) -> Bool)? = nil
    ) async -> ResumedUploads {
        let uploader = AsyncUploader(options: configuration.upload)
        let (abandoned, lost) = await uploads.abandonedUploads(includingParked: includingParked, selected: selected)
        for error in lost { await uploader.report(error) }
        for pending in abandoned { await uploader.submit(pending) }
        return await uploader.finishReport()
    }

    /// Writes a file through `write` and hands a mapped file to the upload machinery: the current scope's
    /// uploader, or a synchronous upload.
    ///
    /// - Parameters:
    ///   - resolved: The path written.
    ///   - size: The size of the content, if known in advance (to check for room in shared memory).
    ///   - fallsBackToCache: Whether `write` may run again into the cache folder if writing to shared memory fails.
    ///   - write: Writes the file atomically at the destination it is given, with the given permissions.
    /// - Returns: What `write` returns.
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
        if let uploader = scope?.uploader, scope?.stagesInSharedMemory == true, uploads.sharedMemory.prepareFolder(),
            uploads.sharedMemory.hasRoom(for: size)
        {
            let staged = uploads.sharedMemory.newStagingPath(for: blob.cachePath)
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
                pending = try await uploads.record(
                    blob, logicalPath: resolved.path, content: staged, inSharedMemory: true)
            } catch {
                unlink(staged)
                unlink(SharedMemoryStaging.marker(of: staged))
                throw error
            }
            do {
                try SharedMemoryStaging.linkCacheFile(blob.cachePath, to: staged)
            } catch {
                await uploads.superseded(pending)
                throw error
            }
            await uploader.submit(pending)
            return value
        }
        return try await commitToCache(resolved, blob, uploader: scope?.uploader, write)
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
            pending = try await uploads.record(
                blob, logicalPath: resolved.path, content: blob.cachePath, inSharedMemory: false)
        } catch let error as AzFuseError {
            throw CacheStore.naming(error, path: resolved.path, cacheRoot: blob.cacheRoot)
        }
        if let uploader {
            await uploader.submit(pending)
        } else {
            try await uploads.uploadNow(pending)
        }
        return value
    }

    private static func throwIfAny(_ failures: [AzFuseError]) throws {
        guard !failures.isEmpty else { return }
        var error = AzFuseError(
            .uploadFailed,
            "\(failures.count) file(s) could not be uploaded; their content is kept on disk where each error says, "
                + "marked as not uploaded; File.resumePendingUploads() retries")
        error.fileErrors = failures
        throw error
    }
}
