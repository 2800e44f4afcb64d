import AzFuseSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension BlobNamespace {
    /// How many blobs ``removeTree(progress:)`` deletes at once.
    static let removalParallelism = 16

    func remove() async throws {
        guard !blob.relativePath.isEmpty else {
            throw AzFuseError(
                .invalidArgument, "this is a mount's own folder; use removeTree (azfuse rmtree)", path: path)
        }
        try await pendingUploads.waitUntilSettled(blob, includingBelow: false)
        try await removeBlob()
    }

    func removeTree(progress: (@Sendable (TransferProgress) -> Void)?) async throws -> Int {
        try await pendingUploads.waitUntilSettled(blob, includingBelow: true)
        let files = try await listing(recursive: true).entries
        guard !files.isEmpty else {
            try await BlockingIO.run { try clearCache() }
            throw AzFuseError(.notFound, "there are no blobs below this folder", path: path)
        }
        let prefix = blob.blobName.isEmpty ? "" : blob.blobName + "/"
        let failures = await Self.deleteBlobs(
            files.map { (path: $0.path, blobName: prefix + $0.name) }, client: try client(), progress: progress)
        try await BlockingIO.run { try clearCache() }
        guard failures.isEmpty else {
            var error = AzFuseError(
                failures.allSatisfy { $0.code == .permissionDenied } ? .permissionDenied : .serviceError,
                "\(failures.count) of \(files.count) blobs could not be deleted", path: path)
            error.fileErrors = failures
            throw error
        }
        return files.count
    }

    /// Removes the cached copy: a file, or a folder and everything in it. At a mount's own folder, everything in the
    /// cache folder except AzFuse's internal folder; an internal path itself is left alone.
    func clearCache() throws {
        // A symbolic link planted in the cache folder must not make clearing remove files elsewhere.
        try AzFuseError.naming(path) {
            if blob.relativePath.isEmpty {
                try SafePath.verifyCacheRoot(blob.cacheRoot, create: false)
            } else {
                try SafePath.verifyFolders(forFile: blob.cachePath, inside: blob.cacheRoot, createRoot: false)
            }
        }
        if blob.relativePath.isEmpty {
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: blob.cachePath)) ?? []
            for name in contents where name != CacheLayout.internalFolderName {
                try Self.removeItem(blob.cachePath + "/" + name, reportedPath: path)
            }
        } else if !CacheLayout.isInternal(relativePath: blob.relativePath) {
            try Self.removeItem(blob.cachePath, reportedPath: path)
        }
    }

    /// Removes the cached copy of a blob, if there is one (a folder of the same name is left alone).
    static func removeCachedCopy(_ blob: BlobTarget, reportedPath: String) throws {
        try AzFuseError.naming(reportedPath) {
            try SafePath.verifyFolders(forFile: blob.cachePath, inside: blob.cacheRoot, createRoot: false)
        }
        guard unlink(blob.cachePath) != 0 else { return }
        let failure = SystemCallError("unlink", path: blob.cachePath)
        guard failure.code != ENOENT, failure.code != EISDIR else { return }
        throw AzFuseError(
            .fileSystem,
            "the cached copy \(blob.cachePath) is stale and could not be removed: \(failure.reason); "
                + "remove it by hand so that reads fetch the blob", path: reportedPath)
    }

    /// Deletes the blob and its cached copy, holding the cache file's lock so a concurrent download cannot put the
    /// old content back.
    private func removeBlob() async throws {
        let lock = try FileLock(path: CacheLayout.lockPath(for: blob))
        try await lock.lock()
        defer { lock.unlock() }
        do {
            try await AzFuseError.naming(path) { try await client().delete(blob.blobName) }
        } catch let error as AzFuseError where error.code == .notFound {
            try Self.removeCachedCopy(blob, reportedPath: path)
            throw error
        }
        try Self.removeCachedCopy(blob, reportedPath: path)
    }

    /// Deletes blobs, ``removalParallelism`` at a time; a blob already gone counts as deleted. The cached copies
    /// are left to the caller.
    private static func deleteBlobs(
        _ targets: [(path: String, blobName: String)], client: ContainerClient,
        progress: (@Sendable (TransferProgress) -> Void)?
    ) async -> [AzFuseError] {
        let total = targets.count
        let outcomes = await BoundedConcurrency.concurrentMap(
            targets, limit: removalParallelism,
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

    /// Removes a file or folder of the cache; one already gone is fine.
    private static func removeItem(_ cachePath: String, reportedPath: String) throws {
        do {
            try FileManager.default.removeItem(atPath: cachePath)
        } catch CocoaError.fileNoSuchFile {
            return
        } catch {
            guard FileManager.default.fileExists(atPath: cachePath) else { return }
            throw AzFuseError(
                .fileSystem, "could not remove the cached copy \(cachePath): \(error.localizedDescription)",
                path: reportedPath)
        }
    }
}
