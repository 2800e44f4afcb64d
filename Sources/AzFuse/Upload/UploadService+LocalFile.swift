import AzFuseSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension UploadService {
    /// Uploads a local file to the blob `path` maps to, then puts the same content in the path's cache (see
    /// ``AzFuseClient/upload(localFile:to:)``); for an unmapped path, copies the file there atomically.
    ///
    /// Not journaled: the upload is synchronous and the local file stays where it is. A journaled upload of the same
    /// blob still pending is waited for first, so it cannot land afterwards.
    ///
    /// - Throws: ``AzFuseError`` naming `localFile` (missing, not a regular file) or `path`.
    func upload(localFile: String, to path: String) async throws {
        switch LocalNamespace.kind(of: localFile) {
        case .file?: break
        case .folder?: throw AzFuseError(.invalidArgument, "this is a folder, not a file", path: localFile)
        case nil: throw AzFuseError(.notFound, "there is no such file to upload", path: localFile)
        }
        let localFile = try checkedSource(localFile)
        let resolved = try resolver.resolve(path, currentFolder: FileManager.default.currentDirectoryPath)
        guard let blob = resolved.blob else {
            try await Self.copy(localFile, to: resolved.path, permissions: .regular)
            return
        }
        try AzFuseError.naming(path) {
            try SafePath.verifyFolders(forFile: blob.cachePath, inside: blob.cacheRoot)
            try SafePath.verifyFolders(forFile: CacheLayout.lockPath(for: blob), inside: blob.cacheRoot)
        }
        try await pendingUploads.waitUntilSettled(blob, includingBelow: false)
        let lock = try FileLock(path: CacheLayout.lockPath(for: blob))
        try await lock.lock()
        defer { lock.unlock() }
        _ = try await AzFuseError.naming(path) {
            try await clients.client(for: blob.account).upload(from: localFile, to: blob.blobName)
        }
        do {
            try await Self.copy(localFile, to: blob.cachePath, permissions: .ownerOnly)
        } catch {
            try BlobNamespace.removeCachedCopy(blob, reportedPath: path)
        }
    }

    /// The file to upload: a file inside a mount's cache folder (the cached copy itself, for `azfuse upload PATH`)
    /// is taken by its normalized absolute path and must be a regular file reached without symbolic links through
    /// safe folders, so a link planted in the cache folder cannot make AzFuse upload a file from elsewhere.
    private func checkedSource(_ localFile: String) throws -> String {
        let absolute = LogicalPath.absolutePath(
            LogicalPath.absoluteComponents(of: localFile, base: FileManager.default.currentDirectoryPath))
        guard
            let root = resolver.cacheRoots.first(where: {
                SafePath.relativeComponents(of: absolute, inside: $0).map { !$0.isEmpty } ?? false
            })
        else { return localFile }
        try AzFuseError.naming(localFile) {
            try SafePath.verifyFolders(forFile: absolute, inside: root, createRoot: false)
            let descriptor = try SafePath.openFile(absolute, inside: root, flags: SafePath.pathOnly)
            close(descriptor)
        }
        return absolute
    }

    private static func copy(
        _ source: String, to destination: String, permissions: AtomicFileWriter.Permissions
    ) async throws {
        try await AtomicFileWriter.write(to: destination, permissions: permissions) { temporaryPath in
            try await BlockingIO.run { try LocalFile.copyContents(from: source, to: temporaryPath) }
        }
    }
}
