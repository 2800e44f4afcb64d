// The Facade folder's contract: the public API. File forwards each call to the current AzFuseClient; an
// AzFuseClient method resolves the path and forwards to its namespace (Namespace/), the cache (Cache/) or the upload
// service (Upload/). No logic lives here beyond argument checks and the cache-hit fast path of reads.

import Foundation
import Synchronization

/// Opens, reads and writes files by logical path, whether they are local files or blobs in Azure Blob Storage.
///
/// `File` forwards every call to the current ``AzFuseClient`` instance: the one set for the current task with
/// ``AzFuseClient/withCurrent(isolation:_:)``, otherwise a process-wide instance built on first use from the
/// azfuse-compatible environment variables (see ``AzFuseConfiguration/fromEnvironment(_:currentFolder:)``).
/// With `AZFUSE_USE_FUSE` unset, every path is a plain local file.
///
/// ```swift
/// let bytes = try await File.read("data/abc.txt")
/// try await File.open("data/abc.txt", .read) { handle in
///     let header = try handle.read(upToCount: 16)
/// }
/// try await File.write(bytes, to: "models/copy.txt")
/// ```
///
/// If another module you import also declares a `File` type, write `AzFuse.File`.
public enum File {
    @TaskLocal static var taskInstance: AzFuseClient?

    private static let processInstance = Mutex<AzFuseClient?>(nil)

    /// The instance `File` forwards to: the task's, else the process-wide one, built from the environment on first
    /// use.
    ///
    /// A failed build is not remembered: fix the configuration and the next call tries again.
    ///
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` if the environment or configuration files are invalid.
    public static func current() throws -> AzFuseClient {
        if let instance = taskInstance { return instance }
        return try processInstance.withLock { instance in
            if let instance { return instance }
            let created = try AzFuseClient.fromEnvironment()
            instance = created
            return created
        }
    }

    /// Opens a file and runs `body` with its handle; see ``AzFuseClient/open(_:_:isolation:_:)``.
    public static func open<Result>(
        _ path: String,
        _ mode: OpenMode,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (FileHandle) async throws -> Result
    ) async throws -> Result {
        try await current().open(path, mode, body)
    }

    /// Reads a whole file; see ``AzFuseClient/read(_:)``.
    public nonisolated(nonsending) static func read(_ path: String) async throws -> Data {
        try await current().read(path)
    }

    /// Replaces a file's content; see ``AzFuseClient/write(_:to:)``.
    public static func write(_ data: Data, to path: String) async throws {
        try await current().write(data, to: path)
    }

    /// Runs `body` with a local path for the file; see ``AzFuseClient/withLocalPath(_:_:isolation:_:)``.
    public static func withLocalPath<Result>(
        _ path: String,
        _ mode: OpenMode,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (String) async throws -> Result
    ) async throws -> Result {
        try await current().withLocalPath(path, mode, body)
    }

    /// Downloads every mapped path that is not cached yet; see ``AzFuseClient/prepare(_:progress:)``.
    public static func prepare(
        _ paths: some Sequence<String>,
        progress: (@Sendable (TransferProgress) -> Void)? = nil
    ) async throws {
        try await current().prepare(paths, progress: progress)
    }

    /// Removes cached copies of files or folders; see ``AzFuseClient/clearCache(_:)-(Sequence<String>)``.
    public static func clearCache(_ paths: some Sequence<String>) async throws {
        try await current().clearCache(paths)
    }

    /// Removes the cached copy of a file or folder; see ``AzFuseClient/clearCache(_:)-(String)``.
    public static func clearCache(_ path: String) async throws {
        try await current().clearCache(path)
    }

    /// Whether a path's content is available locally; see ``AzFuseClient/isCached(_:)``.
    public static func isCached(_ path: String) throws -> Bool {
        try current().isCached(path)
    }

    /// The local file for a path; see ``AzFuseClient/cachePath(for:)``.
    public static func cachePath(for path: String) throws -> String {
        try current().cachePath(for: path)
    }

    /// Tells where a logical path lives; see ``AzFuseClient/resolve(_:)``.
    public static func resolve(_ path: String) throws -> ResolvedPath {
        try current().resolve(path)
    }
}
