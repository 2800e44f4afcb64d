import Foundation

extension File {
    /// Whether a file or folder exists; see ``AzFuseClient/exists(_:)``.
    public static func exists(_ path: String) async throws -> Bool {
        try await current().exists(path)
    }

    /// Whether a path is a file; see ``AzFuseClient/isFile(_:)``.
    public static func isFile(_ path: String) async throws -> Bool {
        try await current().isFile(path)
    }

    /// Whether a path is a folder; see ``AzFuseClient/isFolder(_:)``.
    public static func isFolder(_ path: String) async throws -> Bool {
        try await current().isFolder(path)
    }

    /// Lists a folder; see ``AzFuseClient/list(_:recursive:)``.
    public static func list(_ folder: String, recursive: Bool = false) async throws -> [FolderEntry] {
        try await current().list(folder, recursive: recursive)
    }

    /// Lists a folder and names the blobs left out; see ``AzFuseClient/listing(_:recursive:)``.
    public static func listing(_ folder: String, recursive: Bool = false) async throws -> FolderListing {
        try await current().listing(folder, recursive: recursive)
    }

    /// Walks a folder tree top-down; see ``AzFuseClient/walk(_:)``.
    public static func walk(_ folder: String) throws -> FolderWalk {
        try current().walk(folder)
    }

    /// The size of a file; see ``AzFuseClient/size(of:)``.
    public static func size(of path: String) async throws -> Int64 {
        try await current().size(of: path)
    }

    /// Deletes a file; see ``AzFuseClient/remove(_:)``.
    public static func remove(_ path: String) async throws {
        try await current().remove(path)
    }

    /// Deletes a folder tree; see ``AzFuseClient/removeTree(_:progress:)``.
    @discardableResult
    public static func removeTree(
        _ folder: String, progress: (@Sendable (TransferProgress) -> Void)? = nil
    ) async throws -> Int {
        try await current().removeTree(folder, progress: progress)
    }

    /// Uploads a local file to a logical path; see ``AzFuseClient/upload(localFile:to:)``.
    public static func upload(localFile: String, to path: String) async throws {
        try await current().upload(localFile: localFile, to: path)
    }

    /// Reads bytes of a file without caching it; see ``AzFuseClient/readRange(_:offset:length:)``.
    public static func readRange(_ path: String, offset: Int64, length: Int) async throws -> Data {
        try await current().readRange(path, offset: offset, length: length)
    }

    /// A URL granting access to a blob; see ``AzFuseClient/signedURL(for:permissions:expiresIn:)``.
    public static func signedURL(
        for path: String, permissions: BlobSASPermissions = .read, expiresIn: Duration = .seconds(3600)
    ) throws -> URL {
        try current().signedURL(for: path, permissions: permissions, expiresIn: expiresIn)
    }

    /// A blob's user metadata; see ``AzFuseClient/metadata(of:)``.
    public static func metadata(of path: String) async throws -> [String: String] {
        try await current().metadata(of: path)
    }

    /// Replaces a blob's user metadata; see ``AzFuseClient/setMetadata(_:for:)``.
    public static func setMetadata(_ metadata: [String: String], for path: String) async throws {
        try await current().setMetadata(metadata, for: path)
    }

    /// Sets a blob's access tier; see ``AzFuseClient/setAccessTier(_:for:)``.
    public static func setAccessTier(_ tier: AccessTier, for path: String) async throws {
        try await current().setAccessTier(tier, for: path)
    }

    /// Runs `body` while holding a lease on a blob; see ``AzFuseClient/withLease(on:duration:timeout:isolation:_:)``.
    public static func withLease<Value>(
        on path: String,
        duration: Duration = .seconds(30),
        timeout: Duration = .seconds(300),
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Value
    ) async throws -> Value {
        try await current().withLease(on: path, duration: duration, timeout: timeout, body)
    }

    /// Breaks the lease on a blob; see ``AzFuseClient/breakLease(on:)``.
    public static func breakLease(on path: String) async throws {
        try await current().breakLease(on: path)
    }
}
