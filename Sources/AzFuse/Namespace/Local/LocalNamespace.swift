import AzFuseSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An unmapped path: a file or folder of the local file system, reached by the path as the caller spelled it.
///
/// There is no cache: the cache path is the path itself, and clearing it does nothing. A lease is a local advisory
/// lock (`flock`) on the file. Setting an access tier does nothing once the file exists, as in azfuse; the other
/// blob-only operations (metadata, signed URLs, breaking a lease) throw ``AzFuseError/Code/unsupported``.
struct LocalNamespace: Namespace {
    let path: String

    func exists() -> Bool {
        Self.kind(of: path) != nil
    }

    func isFile() -> Bool {
        Self.kind(of: path) == .file
    }

    func isFolder() -> Bool {
        Self.kind(of: path) == .folder
    }

    func size() throws -> Int64 {
        try Self.fileSize(path, reportedPath: path)
    }

    func isSymbolicLink() -> Bool {
        Syscall.kind(of: path, followingLinks: false) == .symbolicLink
    }

    func remove() throws {
        if Self.kind(of: path) == .folder {
            throw AzFuseError(.invalidArgument, "this is a folder; use removeTree (azfuse rmtree)", path: path)
        }
        guard unlink(path) == 0 else { throw AzFuseError.fileSystem("removing the file", path: path) }
    }

    func removeTree(progress: (@Sendable (TransferProgress) -> Void)?) async throws -> Int {
        let count = try await listing(recursive: true).entries.count
        let path = path
        try await BlockingIO.run {
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw AzFuseError(
                    .fileSystem, "could not remove the folder: \(error.localizedDescription)", path: path)
            }
        }
        progress?(TransferProgress(completedFiles: count, totalFiles: count))
        return count
    }

    func readRange(offset: Int64, length: Int) async throws -> Data {
        let path = path
        return try await BlockingIO.run { try Self.readRange(path, offset: offset, length: length) }
    }

    func metadata() throws -> [String: String] {
        throw unsupported("reading metadata")
    }

    func setMetadata(_ metadata: [String: String]) throws {
        throw unsupported("setting metadata")
    }

    func setAccessTier(_ tier: AccessTier) throws {
        guard Self.kind(of: path) != nil else { throw AzFuseError(.notFound, "there is no such file", path: path) }
    }

    func signedURL(permissions: BlobSASPermissions, expiresIn: Duration) throws -> URL {
        throw unsupported("a signed URL")
    }

    func withLease<Value>(
        duration: Duration, timeout: Duration, isolation: isolated (any Actor)?, _ body: () async throws -> Value
    ) async throws -> Value {
        let lock = try FileLock(path: path)
        try await LeaseRetry.retryWhileHeld(path: path, timeout: timeout) { try lock.tryLock() }
        defer { lock.unlock() }
        return try await body()
    }

    func breakLease() throws {
        throw unsupported("breaking a lease")
    }

    func clearCache() {}

    var cachePath: String { path }

    nonisolated(nonsending) func openForReading() async throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw AzFuseError.fileSystem("opening for reading", path: path, errno: code)
        }
        return descriptor
    }

    func fileForReading() -> String {
        path
    }

    /// What is at a local path (following symbolic links): a regular file, a folder, or `nil` for nothing or
    /// anything else.
    static func kind(of path: String) -> FolderEntry.Kind? {
        switch Syscall.kind(of: path) {
        case .regular: .file
        case .folder: .folder
        default: nil
        }
    }

    /// The size of a local file (following symbolic links), or ``AzFuseError`` naming `reportedPath`.
    static func fileSize(_ file: String, reportedPath: String) throws -> Int64 {
        var status = stat()
        guard stat(file, &status) == 0 else { throw AzFuseError.fileSystem("reading the size", path: reportedPath) }
        return Int64(status.st_size)
    }

    /// ``AzFuseError/Code/unsupported`` naming the path: `operation` needs a blob.
    private func unsupported(_ operation: String) -> AzFuseError {
        AzFuseError(
            .unsupported,
            "\(operation) needs a blob, and this path is a plain local file (AZFUSE_USE_FUSE is off or no mount "
                + "matches it); check the mapping with 'azfuse resolve'", path: path)
    }

    private static func readRange(_ path: String, offset: Int64, length: Int) throws -> Data {
        let descriptor = try LocalFile.openForReading(path)
        defer { LocalFile.closeQuietly(descriptor) }
        var data = Data(count: length)
        let count = try data.withUnsafeMutableBytes { buffer in
            try LocalFile.read(descriptor, into: buffer, at: offset, path: path)
        }
        return data.prefix(count)
    }
}
