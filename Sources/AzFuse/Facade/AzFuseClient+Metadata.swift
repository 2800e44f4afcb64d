import Foundation

extension AzFuseClient {
    /// Whether a file or folder exists.
    ///
    /// For a mapped path the service decides: a blob is a file, a blob name prefix with blobs below it is a folder.
    /// A file written to a mapped path and still waiting for its asynchronous upload counts as existing (azfuse said
    /// it did not). A mount's own folder always exists. Unmapped paths are looked up on the local file system.
    ///
    /// - Parameter path: A logical path.
    /// - Returns: `true` if a file or folder is there.
    /// - Throws: ``AzFuseError`` naming the path when the service cannot be asked (for example
    ///   ``AzFuseError/Code/authenticationFailed``); a missing blob is not an error.
    public func exists(_ path: String) async throws -> Bool {
        try await namespace(for: path).exists()
    }

    /// Whether a path is a file: a blob (or a file waiting for its upload) for a mapped path, else a regular local
    /// file. The cache is not consulted: a cached copy of a deleted blob is not a file.
    ///
    /// - Parameter path: A logical path.
    /// - Returns: `true` for a file, `false` for a folder or nothing.
    /// - Throws: ``AzFuseError`` naming the path when the service cannot be asked.
    public func isFile(_ path: String) async throws -> Bool {
        try await namespace(for: path).isFile()
    }

    /// Whether a path is a folder: for a mapped path, a blob name prefix with at least one blob (or a file waiting
    /// for its upload) below it, or a mount's own folder; else a local directory.
    ///
    /// - Parameter path: A logical path.
    /// - Returns: `true` for a folder.
    /// - Throws: ``AzFuseError`` naming the path when the service cannot be asked.
    public func isFolder(_ path: String) async throws -> Bool {
        try await namespace(for: path).isFolder()
    }

    /// The size of a file in bytes.
    ///
    /// For a mapped path the service is asked (one HEAD request): a cached copy may be stale, so its size is used
    /// only while the file waits for its asynchronous upload, when the cached copy is the newest content.
    ///
    /// - Parameter path: A logical path.
    /// - Returns: The size in bytes.
    /// - Throws: ``AzFuseError`` naming the path: ``AzFuseError/Code/notFound`` when there is no such file or blob.
    public func size(of path: String) async throws -> Int64 {
        try await namespace(for: path).size()
    }

    /// A blob's user metadata (`x-ms-meta-*`), names in lower case.
    ///
    /// Azure compares metadata names case-insensitively, and URLSession on Linux re-capitalizes header names both
    /// ways (`run_2` is sent and read back as `Run_2`), so names are reported in lower case: compare them that way.
    ///
    /// - Parameter path: A mapped logical path.
    /// - Returns: The metadata; empty when the blob has none.
    /// - Throws: ``AzFuseError`` naming the path: ``AzFuseError/Code/notFound`` for a missing blob,
    ///   ``AzFuseError/Code/unsupported`` for an unmapped path (local files have no blob metadata).
    public func metadata(of path: String) async throws -> [String: String] {
        try await namespace(for: path).metadata()
    }

    /// Replaces a blob's user metadata; an empty dictionary removes it all.
    ///
    /// Names are case-insensitive; ``metadata(of:)`` reports them in lower case.
    ///
    /// - Parameters:
    ///   - metadata: The new metadata. Names must be C# identifiers (letters, digits and `_`, not starting with a
    ///     digit); values printable ASCII.
    ///   - path: A mapped logical path.
    /// - Throws: ``AzFuseError`` naming the path: ``AzFuseError/Code/invalidArgument`` for a bad name or value,
    ///   ``AzFuseError/Code/notFound`` for a missing blob, ``AzFuseError/Code/unsupported`` for an unmapped path.
    public func setMetadata(_ metadata: [String: String], for path: String) async throws {
        try await namespace(for: path).setMetadata(metadata)
    }

    /// Sets a blob's access tier.
    ///
    /// For an unmapped path this does nothing once the local file is known to exist, as in azfuse: local files
    /// have no tiers, and code written for blobs keeps working on local files.
    ///
    /// - Parameters:
    ///   - tier: The new tier.
    ///   - path: A logical path.
    /// - Throws: ``AzFuseError`` naming the path: ``AzFuseError/Code/notFound`` for a missing blob or file.
    public func setAccessTier(_ tier: AccessTier, for path: String) async throws {
        try await namespace(for: path).setAccessTier(tier)
    }

    /// A URL that grants access to a mapped path's blob without credentials, until it expires: a service SAS for
    /// that one blob, minted locally from the account key.
    ///
    /// Anyone holding the URL has the access it grants; treat it as a secret.
    ///
    /// - Parameters:
    ///   - path: A mapped logical path. The blob need not exist (a URL with write permissions can create it).
    ///   - permissions: What the URL allows; read only by default.
    ///   - expiresIn: How long the URL works; one hour by default.
    /// - Returns: `<endpoint>/<container>/<blob>?<sas>`.
    /// - Throws: ``AzFuseError`` naming the path: ``AzFuseError/Code/unsupported`` when the storage account has no
    ///   account key (a SAS token cannot mint another) or the path is unmapped,
    ///   ``AzFuseError/Code/invalidArgument`` for a non-positive lifetime.
    public func signedURL(
        for path: String, permissions: BlobSASPermissions = .read, expiresIn: Duration = .seconds(3600)
    ) throws -> URL {
        try namespace(for: path).signedURL(permissions: permissions, expiresIn: expiresIn)
    }

    /// Reads bytes of a file without caching it: a ranged GET for a mapped path, a positioned read for a local
    /// file.
    ///
    /// Transient service failures are retried per the client's retry policy and then reported (azfuse retried
    /// forever, so a missing blob hung it).
    ///
    /// - Parameters:
    ///   - path: A logical path.
    ///   - offset: The first byte to read (at least 0).
    ///   - length: How many bytes to read (at least 0).
    /// - Returns: The bytes: fewer than `length` when the file ends first, none when `offset` is at or past its end.
    /// - Throws: ``AzFuseError`` naming the path: ``AzFuseError/Code/notFound`` for a missing blob or file,
    ///   ``AzFuseError/Code/invalidArgument`` for a negative offset or length.
    public func readRange(_ path: String, offset: Int64, length: Int) async throws -> Data {
        guard offset >= 0, length >= 0 else {
            throw AzFuseError(
                .invalidArgument, "offset \(offset) and length \(length) must not be negative", path: path)
        }
        return try await namespace(for: path).readRange(offset: offset, length: length)
    }
}
