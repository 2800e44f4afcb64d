import AzFuseBlobClient
import Foundation

extension AzFuseClient {
    /// Lists every file written through AzFuse whose content is not uploaded yet, in the journals of every mount's
    /// cache folder: queued in a live process, abandoned by a dead one, failed, parked or rejected.
    ///
    /// ```swift
    /// for entry in try await fuse.pendingUploads() where entry.state == .parked {
    ///     print(entry.path, entry.lastError ?? "")
    /// }
    /// ```
    ///
    /// - Returns: One entry per journal record, by cache folder and state.
    /// - Throws: `CancellationError` if the task is cancelled.
    public func pendingUploads() async throws -> [PendingUploadEntry] {
        var entries: [PendingUploadEntry] = []
        for cacheRoot in Set(resolver.cacheRoots).sorted() {
            let listed = try await BlockingIO.run { UploadJournal.listRecords(cacheRoot: cacheRoot) }
            entries += listed.map { Self.entry($0.record, path: $0.path, state: $0.state) }
        }
        return entries
    }

    /// Gives up the pending uploads of `paths`: their journal records (not those of live processes) are removed,
    /// with the journal's copies of the content; the cache files and the blobs are left as they are.
    ///
    /// - Parameter paths: The paths whose pending uploads to discard (a record matches when it was written under
    ///   that logical path or maps to the same cache file); at least one.
    /// - Returns: The entries discarded.
    /// - Throws: ``AzFuseError/Code/invalidArgument`` when `paths` is empty.
    @discardableResult
    public func discardPendingUploads(paths: [String]) async throws -> [PendingUploadEntry] {
        guard !paths.isEmpty, let selected = recordSelector(paths) else {
            throw AzFuseError(.invalidArgument, "name the paths whose pending uploads to discard")
        }
        var entries: [PendingUploadEntry] = []
        for cacheRoot in Set(resolver.cacheRoots).sorted() {
            let discarded = try await BlockingIO.run { UploadJournal.discard(cacheRoot: cacheRoot, where: selected) }
            entries += discarded.map { Self.entry($0.record, path: $0.path, state: $0.state) }
        }
        return entries
    }

    private static func entry(
        _ record: UploadJournalRecord, path: String, state: PendingUploadEntry.State
    ) -> PendingUploadEntry {
        PendingUploadEntry(
            path: record.logicalPath, blobName: record.blobName, cachePath: record.cachePath, size: record.size,
            modified: Date(timeIntervalSince1970: Double(record.contentModified) / 1e9), state: state,
            lastError: record.lastError, recordFile: path)
    }
}
