import AzFuseBlobClient
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension AzFuseClient {
    /// How many blobs ``removeTree(_:progress:)`` deletes at once.
    static let removalParallelism = 16

    /// Deletes a file: for a mapped path its blob, then its cached copy; else the local file.
    ///
    /// A mapped file still waiting for an asynchronous upload is deleted after that upload ends, so the queued
    /// upload cannot bring it back.
    ///
    /// - Parameter path: A logical file path.
    /// - Throws: ``AzFuseError`` naming the path: ``AzFuseError/Code/notFound`` when the blob (or local file) does
    ///   not exist (a stale cached copy is removed all the same), ``AzFuseError/Code/invalidArgument`` for a folder
    ///   (use ``removeTree(_:progress:)``), ``AzFuseError/Code/permissionDenied`` when the credentials do not allow
    ///   deleting.
    public func remove(_ path: String) async throws {
        let resolved = try resolve(path)
        guard let blob = resolved.blob else {
            if Self.localKind(of: resolved.path) == .folder {
                throw AzFuseError(.invalidArgument, "this is a folder; use removeTree (azfuse rmtree)", path: path)
            }
            guard unlink(resolved.path) == 0 else { throw AzFuseError.fileSystem("removing the file", path: path) }
            return
        }
        guard !blob.relativePath.isEmpty else {
            throw AzFuseError(
                .invalidArgument, "this is a mount's own folder; use removeTree (azfuse rmtree)", path: path)
        }
        try await uploads.pendingUploads.waitUntilSettled(blob, includingBelow: false)
        try await removeBlob(blob, reportedPath: path)
    }

    /// Deletes a folder and everything below it: for a mapped folder every blob under its prefix (several at once)
    /// and the cached copies; else the local folder.
    ///
    /// At a mount's own folder this deletes every blob of the mount; at a container-root mount, every blob of the
    /// container. Asynchronous uploads still pending below the folder are waited for first.
    ///
    /// - Parameters:
    ///   - folder: A logical folder path.
    ///   - progress: Called as blobs are deleted, with the count so far and the total.
    /// - Returns: How many files were deleted.
    /// - Throws: ``AzFuseError`` naming the folder: ``AzFuseError/Code/notFound`` when nothing is there; for
    ///   blobs that could not be deleted, one error whose ``AzFuseError/fileErrors`` names each of them (the others
    ///   are deleted).
    @discardableResult
    public func removeTree(
        _ folder: String, progress: (@Sendable (TransferProgress) -> Void)? = nil
    ) async throws -> Int {
        let resolved = try resolve(folder)
        guard let blob = resolved.blob else {
            let count = try await list(folder, recursive: true).count
            let localPath = resolved.path
            try await BlockingIO.run {
                do {
                    try FileManager.default.removeItem(atPath: localPath)
                } catch {
                    throw AzFuseError(
                        .fileSystem, "could not remove the folder: \(error.localizedDescription)", path: folder)
                }
            }
            progress?(TransferProgress(completedFiles: count, totalFiles: count))
            return count
        }
        try await uploads.pendingUploads.waitUntilSettled(blob, includingBelow: true)
        let files = try await list(folder, recursive: true)
        guard !files.isEmpty else {
            try await clearCache(folder)
            throw AzFuseError(.notFound, "there are no blobs below this folder", path: folder)
        }
        let prefix = blob.blobName.isEmpty ? "" : blob.blobName + "/"
        let failures = await deleteBlobs(
            files.map { (path: $0.path, blobName: prefix + $0.name) }, client: try client(for: blob),
            progress: progress)
        try await clearCache(folder)
        guard failures.isEmpty else {
            var error = AzFuseError(
                failures.allSatisfy { $0.code == .permissionDenied } ? .permissionDenied : .serviceError,
                "\(failures.count) of \(files.count) blobs could not be deleted", path: folder)
            error.fileErrors = failures
            throw error
        }
        return files.count
    }

    /// Deletes `blob` and its cached copy, holding the cache file's lock so a concurrent download cannot put the
    /// old content back.
    private func removeBlob(_ blob: BlobTarget, reportedPath: String) async throws {
        let lock = try FileLock(path: CacheLayout.lockPath(for: blob))
        try await lock.lock()
        defer { lock.unlock() }
        do {
            try await naming(reportedPath) { try await client(for: blob).delete(blob.blobName) }
        } catch let error as AzFuseError where error.code == .notFound {
            try removeCachedCopy(blob, reportedPath: reportedPath)
            throw error
        }
        try removeCachedCopy(blob, reportedPath: reportedPath)
    }

    /// Deletes blobs, ``removalParallelism`` at a time; a blob already gone counts as deleted. The cached copies
    /// are left to the caller.
    private func deleteBlobs(
        _ targets: [(path: String, blobName: String)], client: ContainerClient,
        progress: (@Sendable (TransferProgress) -> Void)?
    ) async -> [AzFuseError] {
        let total = targets.count
        let outcomes = await BoundedConcurrency.concurrentMap(
            targets, limit: Self.removalParallelism,
            onCompletion: { progress?(TransferProgress(completedFiles: $0, totalFiles: total)) },
            { target in try await client.delete(target.blobName) })
        return zip(targets, outcomes).compactMap { target, outcome in
            guard case .failure(let error) = outcome else { return nil }
            guard var error = error as? AzFuseError else {
                return AzFuseError(.cancelled, "deleting was cancelled", path: target.path)
            }
            error.path = target.path
            return error.code == .notFound ? nil : error
        }
    }

    /// Removes the cached copy of a blob, if there is one (a folder of the same name is left alone).
    func removeCachedCopy(_ blob: BlobTarget, reportedPath: String) throws {
        try SafePath.naming(reportedPath) {
            try SafePath.verifyFolders(forFile: blob.cachePath, inside: blob.cacheRoot, createRoot: false)
        }
        guard unlink(blob.cachePath) != 0 else { return }
        let code = errno
        guard code != ENOENT, code != EISDIR else { return }
        throw AzFuseError(
            .fileSystem,
            "the cached copy \(blob.cachePath) is stale and could not be removed: \(String(cString: strerror(code))); "
                + "remove it by hand so that reads fetch the blob", path: reportedPath)
    }
}
