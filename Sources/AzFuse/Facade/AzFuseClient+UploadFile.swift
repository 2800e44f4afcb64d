import AzFuseBlobClient
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension AzFuseClient {
    /// Uploads any local file to the blob a logical path maps to, and puts the same content in that path's cache,
    /// so a later read sees it without downloading.
    ///
    /// The upload goes through the native client in one request or in parallel blocks, stores the file's MD5, and
    /// replaces an existing blob. The cached copy is replaced atomically after the upload succeeded; if that local
    /// step fails, the stale cached copy is removed instead. For an unmapped path the file is copied to it
    /// atomically (azfuse silently did nothing). An asynchronous upload of the same path still pending is waited for
    /// first, so it cannot overwrite this content afterwards.
    ///
    /// - Parameters:
    ///   - localFile: The local file to upload.
    ///   - path: The logical destination path.
    /// - Throws: ``AzFuseError``: ``AzFuseError/Code/notFound`` naming `localFile` when it does not exist,
    ///   ``AzFuseError/Code/invalidArgument`` when it is not a regular file, service errors naming `path` (for
    ///   example ``AzFuseError/Code/permissionDenied``).
    public func upload(localFile: String, to path: String) async throws {
        switch Self.localKind(of: localFile) {
        case .file?: break
        case .folder?: throw AzFuseError(.invalidArgument, "this is a folder, not a file", path: localFile)
        case nil: throw AzFuseError(.notFound, "there is no such file to upload", path: localFile)
        }
        let localFile = try checkedSource(localFile)
        let resolved = try resolve(path)
        guard let blob = resolved.blob else {
            try await Self.copy(localFile, to: resolved.path, permissions: .regular)
            return
        }
        try SafePath.naming(path) {
            try SafePath.verifyFolders(forFile: blob.cachePath, inside: blob.cacheRoot)
            try SafePath.verifyFolders(forFile: CacheLayout.lockPath(for: blob), inside: blob.cacheRoot)
        }
        try await uploads.pendingUploads.waitUntilSettled(blob, includingBelow: false)
        let lock = try FileLock(path: CacheLayout.lockPath(for: blob))
        try await lock.lock()
        defer { lock.unlock() }
        _ = try await naming(path) { try await client(for: blob).upload(from: localFile, to: blob.blobName) }
        do {
            try await Self.copy(localFile, to: blob.cachePath, permissions: .ownerOnly)
        } catch {
            try removeCachedCopy(blob, reportedPath: path)
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
        try SafePath.naming(localFile) {
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
