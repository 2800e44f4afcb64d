import AzFuseBlobClient
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

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
        let resolved = try resolve(path)
        guard let blob = resolved.blob else { return Self.localKind(of: resolved.path) != nil }
        if try await isBlob(blob, path: path) { return true }
        return try await isBlobFolder(blob, path: path)
    }

    /// Whether a path is a file: a blob (or a file waiting for its upload) for a mapped path, else a regular local
    /// file. The cache is not consulted: a cached copy of a deleted blob is not a file.
    ///
    /// - Parameter path: A logical path.
    /// - Returns: `true` for a file, `false` for a folder or nothing.
    /// - Throws: ``AzFuseError`` naming the path when the service cannot be asked.
    public func isFile(_ path: String) async throws -> Bool {
        let resolved = try resolve(path)
        guard let blob = resolved.blob else { return Self.localKind(of: resolved.path) == .file }
        return try await isBlob(blob, path: path)
    }

    /// Whether a path is a folder: for a mapped path, a blob name prefix with at least one blob (or a file waiting
    /// for its upload) below it, or a mount's own folder; else a local directory.
    ///
    /// - Parameter path: A logical path.
    /// - Returns: `true` for a folder.
    /// - Throws: ``AzFuseError`` naming the path when the service cannot be asked.
    public func isFolder(_ path: String) async throws -> Bool {
        let resolved = try resolve(path)
        guard let blob = resolved.blob else { return Self.localKind(of: resolved.path) == .folder }
        return try await isBlobFolder(blob, path: path)
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
        let resolved = try resolve(path)
        guard let blob = resolved.blob, !uploads.pendingUploads.contains(blob) else {
            let local = resolved.blob?.cachePath ?? resolved.path
            var status = stat()
            guard stat(local, &status) == 0 else { throw AzFuseError.fileSystem("reading the size", path: path) }
            return Int64(status.st_size)
        }
        return try await naming(path) { try await client(for: blob).properties(of: blob.blobName).size }
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
        let blob = try requireBlob(path, for: "reading metadata")
        let metadata = try await naming(path) { try await client(for: blob).properties(of: blob.blobName).metadata }
        return Dictionary(metadata.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
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
        let blob = try requireBlob(path, for: "setting metadata")
        for (name, value) in metadata {
            guard Self.isMetadataName(name) else {
                throw AzFuseError(
                    .invalidArgument,
                    "metadata name '\(name)' is not allowed; use letters, digits and '_', not starting with a digit",
                    path: path)
            }
            guard value.utf8.allSatisfy({ (0x20...0x7e).contains($0) }) else {
                throw AzFuseError(
                    .invalidArgument, "the value of metadata '\(name)' must be printable ASCII without line breaks",
                    path: path)
            }
        }
        try await naming(path) { try await client(for: blob).setMetadata(metadata, for: blob.blobName) }
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
        let resolved = try resolve(path)
        guard let blob = resolved.blob else {
            guard Self.localKind(of: resolved.path) != nil else {
                throw AzFuseError(.notFound, "there is no such file", path: path)
            }
            return
        }
        try await naming(path) { try await client(for: blob).setAccessTier(tier, for: blob.blobName) }
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
        let blob = try requireBlob(path, for: "a signed URL")
        guard expiresIn > .zero else {
            throw AzFuseError(.invalidArgument, "the signed URL's lifetime must be positive", path: path)
        }
        do {
            let token = try client(for: blob).makeBlobSAS(
                for: blob.blobName, permissions: permissions, expiresOn: Date() + expiresIn.seconds)
            guard let url = URL(string: blob.url.absoluteString + "?" + token) else {
                throw AzFuseError(.invalidArgument, "the blob name does not form a valid URL", path: path)
            }
            return url
        } catch var error as AzFuseError {
            if error.path == nil { error.path = path }
            if error.code == .unsupported {
                error.message += "; add account_key to the storage account file '\(blob.storageAccountName)'"
            }
            throw error
        }
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
        let resolved = try resolve(path)
        guard let blob = resolved.blob else {
            let localPath = resolved.path
            return try await BlockingIO.run { try Self.readLocalRange(localPath, offset: offset, length: length) }
        }
        guard length > 0 else { return Data() }
        return try await naming(path) {
            try await client(for: blob).read(blob.blobName, offset: offset, length: length)
        }
    }

    /// The native client for a mapped path's storage account.
    func client(for blob: BlobTarget) throws -> ContainerClient {
        try clients.client(for: blob.account)
    }

    /// The blob a path maps to, or ``AzFuseError/Code/unsupported`` naming the path and `operation` when unmapped.
    func requireBlob(_ path: String, for operation: String) throws -> BlobTarget {
        guard let blob = try resolve(path).blob else {
            throw AzFuseError(
                .unsupported,
                "\(operation) needs a blob, and this path is a plain local file (AZFUSE_USE_FUSE is off or no mount "
                    + "matches it); check the mapping with 'azfuse resolve'", path: path)
        }
        return blob
    }

    /// Runs `body`; an ``AzFuseError`` it throws is made to name `path`, the logical path the caller used.
    func naming<Result>(
        _ path: String, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await body()
        } catch var error as AzFuseError {
            if let previous = error.path, previous != path { error.message += " (local file \(previous))" }
            error.path = path
            throw error
        }
    }

    /// What is at a local path (following symbolic links): a regular file, a folder, or `nil` for nothing or
    /// anything else.
    static func localKind(of path: String) -> FolderEntry.Kind? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .folder
        default: return nil
        }
    }

    private func isBlob(_ blob: BlobTarget, path: String) async throws -> Bool {
        if blob.relativePath.isEmpty { return false }
        if uploads.pendingUploads.contains(blob) { return true }
        do {
            _ = try await naming(path) { try await client(for: blob).properties(of: blob.blobName) }
            return true
        } catch let error as AzFuseError where error.code == .notFound {
            return false
        }
    }

    private func isBlobFolder(_ blob: BlobTarget, path: String) async throws -> Bool {
        if blob.relativePath.isEmpty || uploads.pendingUploads.containsAny(under: blob) { return true }
        return try await naming(path) { try await client(for: blob).hasBlobs(withPrefix: blob.blobName + "/") }
    }

    private static func isMetadataName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_")
        }
    }

    private static func readLocalRange(_ path: String, offset: Int64, length: Int) throws -> Data {
        let descriptor = try LocalFile.openForReading(path)
        defer { LocalFile.closeQuietly(descriptor) }
        var data = Data(count: length)
        let count = try data.withUnsafeMutableBytes { buffer in
            try LocalFile.read(descriptor, into: buffer, at: offset, path: path)
        }
        return data.prefix(count)
    }
}
