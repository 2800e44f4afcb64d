import AzFuseBlobClient
import AzFuseSystem
import Foundation

extension AzFuseClient {
    /// Downloads every mapped path that is not cached yet, in as few transfers as the scheduler chooses.
    ///
    /// Unmapped and already cached paths are skipped. Any sequence works, including lazy ones and generators (azfuse
    /// silently ignored them).
    ///
    /// ```swift
    /// try await File.prepare((0..<1000).lazy.map { "data/\($0).txt" })
    /// ```
    ///
    /// - Parameters:
    ///   - paths: Logical paths.
    ///   - progress: Called as files finish, with the count so far and the total to fetch.
    /// - Throws: One ``AzFuseError`` whose ``AzFuseError/fileErrors`` lists every path that could not be fetched
    ///   after retries (``AzFuseError/Code/notFound`` for missing blobs); the other files are cached.
    public func prepare(
        _ paths: some Sequence<String>,
        progress: (@Sendable (TransferProgress) -> Void)? = nil
    ) async throws {
        let resolved = try paths.map { try resolve($0) }
        try await cacheStore.prepare(resolved, progress: progress)
    }

    /// Removes the cached copies of files or folders, so the next read downloads them again.
    ///
    /// The blobs are not touched. Unmapped paths are ignored (they have no cache). Clearing a mount's own folder
    /// empties its cache folder, except AzFuse's internal lock folder. Files are removed off the cooperative thread
    /// pool, so clearing a large folder does not hold up other tasks.
    ///
    /// - Parameter paths: Logical paths of files or folders.
    /// - Throws: ``AzFuseError`` naming a path whose cache could not be removed.
    public func clearCache(_ paths: some Sequence<String>) async throws {
        let namespaces = try paths.map { try namespace(for: $0) }
        try await BlockingIO.run {
            for namespace in namespaces { try namespace.clearCache() }
        }
    }

    /// Removes the cached copy of one file or folder; see ``clearCache(_:)-(Sequence<String>)``.
    ///
    /// - Parameter path: A logical path.
    public func clearCache(_ path: String) async throws {
        try await clearCache([path])
    }

    /// Whether a mapped path's cache file exists (so reading it needs no network). An unmapped path is a local file
    /// and counts as cached when it exists.
    ///
    /// - Parameter path: A logical path.
    public func isCached(_ path: String) throws -> Bool {
        try namespace(for: path).isCached
    }

    /// The local file that holds (or will hold) a path's content: the cache file of a mapped path, else the path
    /// itself. Nothing is downloaded.
    ///
    /// - Parameter path: A logical path.
    public func cachePath(for path: String) throws -> String {
        try namespace(for: path).cachePath
    }
}

extension AzFuseClient {
    /// What the transfer machinery has done so far (batches and files per engine, azcopy processes started).
    package func transferStatistics() async -> TransferStatistics {
        var statistics = await scheduler.statistics
        statistics.azcopyInvocations = azcopy?.invocations ?? 0
        return statistics
    }
}
