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
        try await uploads.withScope(enabled: enabled, shmAsTemp: shmAsTemp, isolation: isolation, body)
    }

    /// Waits until every upload queued so far in the current `withAsyncUpload` scope has committed or failed.
    ///
    /// Outside a scope, writes are synchronous and there is nothing to wait for.
    ///
    /// - Throws: ``AzFuseError`` ``AzFuseError/Code/uploadFailed`` listing the files that failed so far (they are
    ///   then not reported again at the end of the scope).
    public func flushUploads() async throws {
        try await uploads.flushScope()
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
        try await uploads.resume(paths: paths)
    }
}
