// The Cache folder's contract. A mapped file's local copy lives at its cache path and is either absent or
// complete: downloads and writes land in a temporary file renamed into place. CacheStore serves hits without an
// actor hop, downloads each miss once per process (DownloadFlights) and once across processes (FileLock), and checks
// every cache folder before first use (CacheRootGuard, SafePath). The folder knows files and locks, not blobs or
// uploads: transfers come from Transfer/ through the TransferScheduler, and the write path lives in Upload/.

import AzFuseSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The local cache of blobs: serves hits, downloads misses once, and fetches many files for `prepare`.
///
/// - A hit costs one `stat` of the cache file: no actor hop, no lock, no network.
/// - A miss is downloaded once per process (concurrent callers share it) and once across processes (a per-file
///   `flock`; after taking it, the cache file is checked again, so a file another process just fetched is not
///   fetched twice). Unrelated files never wait for each other.
/// - Downloads land in a temporary file renamed into place, so a reader never sees a partial file.
///
/// The actor owns the instance's in-flight downloads (``DownloadFlights``): joining one is an actor hop, taken only
/// on a miss. Hits never touch the actor: they are `nonisolated` reads of immutable configuration and the file
/// system.
actor CacheStore {
    /// What ``claim(_:report:)`` found for a chunk of `prepare`.
    private struct ClaimedFiles: Sendable {
        var locks: [FileLock] = []
        var batch: [(path: String, blob: BlobTarget)] = []
        var contended: [(path: String, blob: BlobTarget)] = []
    }

    private let scheduler: TransferScheduler
    private let options: TransferOptions
    /// Checks each cache folder at its first use by this instance.
    let rootGuard: CacheRootGuard
    /// The downloads in progress, by cache file, and who waits for each.
    private var flights = DownloadFlights<CheckedContinuation<Void, any Error>>()
    /// The task of each download in progress, by generation, so that one nobody waits for can be cancelled.
    private var downloadTasks: [UInt64: Task<Void, Never>] = [:]
    /// Bounds the lock files held at once (one per miss in progress), so thousands of concurrent misses wait for a
    /// turn instead of failing with "too many open files".
    private let lockSlots = AsyncSemaphore(permits: DescriptorLimit.lockBudget)

    init(scheduler: TransferScheduler, options: TransferOptions, cacheRoots: [String]) {
        self.scheduler = scheduler
        self.options = options
        self.rootGuard = CacheRootGuard(roots: cacheRoots)
    }

    /// The cache file of `blob`, downloaded first on a miss.
    nonisolated func fileForReading(_ blob: BlobTarget, reportedPath: String) async throws -> String {
        try checkRoot(of: blob, reportedPath: reportedPath)
        if Self.isRegularFile(blob.cachePath) { return blob.cachePath }
        try await ensureCached(blob, reportedPath: reportedPath)
        return blob.cachePath
    }

    /// Opens the cache file of `blob` for reading, downloading it first on a miss.
    ///
    /// A hit costs one `open`: the cache file is opened directly, and only `ENOENT` leads to a download.
    ///
    /// - Returns: A descriptor the caller must close.
    nonisolated(nonsending) func openForReading(_ blob: BlobTarget, reportedPath: String) async throws -> Int32 {
        let path = blob.cachePath
        try checkRoot(of: blob, reportedPath: reportedPath)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 { return descriptor }
        let code = errno
        // ENOTDIR: a folder on the way to the cache file is a file, so the file is not cached either.
        guard code == ENOENT || code == ENOTDIR else {
            throw Self.naming(
                AzFuseError.fileSystem("opening the cache file for reading", path: path, errno: code),
                path: reportedPath, cacheRoot: blob.cacheRoot)
        }
        try await ensureCached(blob, reportedPath: reportedPath)
        let downloaded = open(path, O_RDONLY | O_CLOEXEC)
        guard downloaded >= 0 else { throw AzFuseError.fileSystem("opening the downloaded file", path: reportedPath) }
        return downloaded
    }

    /// Checks the cache folder of `blob` (once per instance), naming `reportedPath` in the error.
    nonisolated func checkRoot(of blob: BlobTarget, reportedPath: String) throws {
        do {
            try rootGuard.check(blob.cacheRoot)
        } catch let error as AzFuseError {
            throw Self.naming(error, path: reportedPath, cacheRoot: blob.cacheRoot)
        }
    }

    /// Downloads `blob` into its cache file unless it is there already.
    nonisolated func ensureCached(_ blob: BlobTarget, reportedPath: String) async throws {
        guard !CacheLayout.isInternal(relativePath: blob.relativePath) else {
            throw CacheLayout.reservedPathError(path: reportedPath)
        }
        do {
            try await shareDownload(blob.cachePath) { [scheduler, lockSlots] in
                try await lockSlots.withPermit {
                    var checked = Set<String>()
                    try Self.verifyFolders(for: blob, checked: &checked)
                    let lock = try FileLock(path: CacheLayout.lockPath(for: blob))
                    try await lock.lock()
                    defer { lock.unlock() }
                    if Self.isRegularFile(blob.cachePath) { return }
                    try await scheduler.download(blob)
                }
            }
        } catch let error as AzFuseError {
            throw Self.naming(error, path: reportedPath, cacheRoot: blob.cacheRoot)
        }
    }

    /// Runs `download` for `key` unless a download of it is in progress, then waits for that download's outcome.
    ///
    /// A caller whose task is cancelled leaves at once with `CancellationError`; the download goes on for the
    /// others and is cancelled when no caller is left.
    func shareDownload(_ key: String, _ download: @escaping @Sendable () async throws -> Void) async throws {
        let id = flights.makeID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                guard !Task.isCancelled else { return continuation.resume(throwing: CancellationError()) }
                guard case .start(let generation) = flights.join(key, waiter: id, continuation) else { return }
                downloadTasks[generation] = Task {
                    let outcome = await Self.outcome(of: download)
                    self.finishDownload(key, generation: generation, outcome)
                }
            }
        } onCancel: {
            Task { await self.leaveDownload(key, waiter: id) }
        }
    }

    /// The number of callers waiting for the download of `key` (for tests and diagnostics).
    func waitingCallers(for key: String) -> Int { flights.waiterCount(key) }

    /// The number of downloads in progress (for tests and diagnostics).
    var downloadsInProgress: Int { flights.count }

    private func leaveDownload(_ key: String, waiter id: UInt64) {
        let action = flights.leave(key, waiter: id)
        action.waiter?.resume(throwing: CancellationError())
        if let generation = action.cancelGeneration { downloadTasks.removeValue(forKey: generation)?.cancel() }
    }

    private func finishDownload(_ key: String, generation: UInt64, _ outcome: Result<Void, any Error>) {
        downloadTasks[generation] = nil
        for waiter in flights.finish(key, generation: generation) { waiter.resume(with: outcome) }
    }

    /// The outcome of `download`, caught in a named function (the shape release builds compile correctly; see
    /// Docs/KnownIssues.md).
    private static func outcome(of download: @Sendable () async throws -> Void) async -> Result<Void, any Error> {
        do {
            try await download()
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// Downloads every mapped, uncached path, in as few batches as the scheduler chooses.
    ///
    /// - Parameters:
    ///   - paths: Resolved paths; unmapped ones and ones already cached are skipped.
    ///   - progress: Called as files finish.
    /// - Throws: One ``AzFuseError`` whose ``AzFuseError/fileErrors`` lists every path that could not be fetched.
    nonisolated func prepare(_ paths: [ResolvedPath], progress: (@Sendable (TransferProgress) -> Void)?) async throws {
        var seen = Set<String>()
        var wanted: [(path: String, blob: BlobTarget)] = []
        for resolved in paths {
            guard let blob = resolved.blob, !CacheLayout.isInternal(relativePath: blob.relativePath),
                seen.insert(blob.cachePath).inserted
            else { continue }
            try checkRoot(of: blob, reportedPath: resolved.path)
            guard !Self.isRegularFile(blob.cachePath) else { continue }
            wanted.append((resolved.path, blob))
        }
        let total = wanted.count
        let finished = LockedCounter()
        let report: @Sendable (Int) -> Void = { count in
            let done = finished.add(count)
            progress?(TransferProgress(completedFiles: done, totalFiles: total))
        }
        var failures: [AzFuseError] = []
        var contended: [(path: String, blob: BlobTarget)] = []
        var start = 0
        while start < wanted.count {
            try Task.checkCancellation()
            let chunkSize = min(options.prepareChunkSize, DescriptorLimit.lockBudget)
            let chunk = wanted[start..<min(start + chunkSize, wanted.count)]
            start += chunk.count
            let claimed = try await BlockingIO.run { try Self.claim(Array(chunk), report: report) }
            contended += claimed.contended
            let batch = claimed.batch
            let outcomes = await scheduler.download(batch.map(\.blob)) { _ in report(1) }
            // Released explicitly, only now that every file of the batch is published: the optimizer may end a
            // value's lifetime after its last use, so a lock must never be released by a deinit.
            for lock in claimed.locks { lock.unlock() }
            for (item, outcome) in zip(batch, outcomes) {
                if case .failure(let error) = outcome {
                    failures.append(Self.fileError(error, path: item.path, cacheRoot: item.blob.cacheRoot))
                }
            }
            try Task.checkCancellation()
        }
        failures += await fetchEach(contended, report: report)
        try Task.checkCancellation()
        guard failures.isEmpty else {
            var error = AzFuseError(
                failures.allSatisfy { $0.code == .notFound } ? .notFound : .transferFailed,
                "\(failures.count) of \(total) files could not be fetched")
            error.fileErrors = failures
            throw error
        }
    }

    /// The files of a `prepare` chunk this process will download: those whose lock it took and that are still
    /// missing (their locks are held until the caller unlocks them). Files another process is downloading are
    /// `contended`; files that turned out to be cached are reported as done. Runs many system calls: call it
    /// through ``BlockingIO``.
    private static func claim(
        _ items: [(path: String, blob: BlobTarget)], report: @Sendable (Int) -> Void
    ) throws -> ClaimedFiles {
        var claimed = ClaimedFiles()
        var checked = Set<String>()
        for item in items {
            try verifyFolders(for: item.blob, checked: &checked)
            let lock: FileLock
            let isFree: Bool
            do {
                lock = try FileLock(path: CacheLayout.lockPath(for: item.blob))
                isFree = try lock.tryLock()
            } catch let error as AzFuseError {
                throw naming(error, path: item.path, cacheRoot: item.blob.cacheRoot)
            }
            if !isFree {
                claimed.contended.append(item)
            } else if isRegularFile(item.blob.cachePath) {
                report(1)
            } else {
                claimed.locks.append(lock)
                claimed.batch.append(item)
            }
        }
        return claimed
    }

    /// Fetches files another process was downloading: waits for each lock, then fetches what is still missing.
    private nonisolated func fetchEach(
        _ items: [(path: String, blob: BlobTarget)], report: @escaping @Sendable (Int) -> Void
    ) async -> [AzFuseError] {
        let outcomes = await BoundedConcurrency.concurrentMap(items, limit: items.count) { item in
            defer { report(1) }
            try await self.ensureCached(item.blob, reportedPath: item.path)
        }
        return zip(items, outcomes).compactMap { item, outcome in
            guard case .failure(let error) = outcome else { return nil }
            return Self.fileError(error, path: item.path, cacheRoot: item.blob.cacheRoot)
        }
    }

    private static func fileError(_ error: any Error, path: String, cacheRoot: String) -> AzFuseError {
        naming(
            (error as? AzFuseError)
                ?? AzFuseError(error is CancellationError ? .cancelled : .transferFailed, "\(error)", underlying: error),
            path: path, cacheRoot: cacheRoot)
    }

    /// `error` naming the logical path the caller used.
    ///
    /// A different local path the error named moves into the message. For a file-system failure, a path in the cache
    /// folder's internal `.azfuse` folder (lock files, staging) is replaced by the cache folder itself, so the caller
    /// is told which folder to fix rather than an internal file; a refused folder (a planted symbolic link, say) keeps
    /// its own name. Any other path is kept as the "cache path". A file-system failure inside the cache folder also says to check that
    /// the cache folder is readable and writable, naming it.
    static func naming(_ error: AzFuseError, path: String, cacheRoot: String? = nil) -> AzFuseError {
        var error = error
        if let previous = error.path, previous != path {
            let isInCache = cacheRoot.map { previous == $0 || previous.hasPrefix($0 + "/") } ?? false
            let internalFolder = cacheRoot.map { CacheLayout.internalFolder(cacheRoot: $0) }
            let isFileSystemFailure = error.code == .fileSystem || error.code == .permissionDenied
            if let cacheRoot, let internalFolder, isFileSystemFailure,
                previous == internalFolder || previous.hasPrefix(internalFolder + "/")
            {
                error.message = error.message.replacingOccurrences(of: previous, with: cacheRoot)
            } else if !error.message.contains(previous) {
                error.message += " (cache path \(previous))"
            }
            if let cacheRoot, isInCache, isFileSystemFailure, !error.message.contains(cacheRoot + " is not writable") {
                error.message += "; check that the cache folder \(cacheRoot) is readable and writable by this process"
            }
        }
        error.path = path
        return error
    }

    /// Checks the cache folder and the existing folders on the way to the blob's lock file and cache file (see
    /// ``SafePath``), so a download can neither follow a planted symbolic link out of the cache folder nor use a
    /// folder another user can write to. `checked` remembers folders already checked in one batch.
    private static func verifyFolders(for blob: BlobTarget, checked: inout Set<String>) throws {
        for file in [CacheLayout.lockPath(for: blob), blob.cachePath] {
            let folder = String(file[..<(file.lastIndex(of: "/") ?? file.endIndex)])
            guard !checked.contains(folder) else { continue }
            try SafePath.verifyFolders(forFile: file, inside: blob.cacheRoot)
            checked.insert(folder)
        }
    }

    /// Whether `path` is an existing regular file (one `stat`).
    static func isRegularFile(_ path: String) -> Bool {
        Syscall.kind(of: path) == .regular
    }
}
