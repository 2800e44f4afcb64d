import Foundation

/// A mapped path: a blob (or a blob name prefix, for a folder) asked through the service, and its cached copy.
///
/// The service decides what exists: a cached copy is never taken as proof, because it may be stale. The exception
/// is a file written but still waiting for its asynchronous upload (``PendingUploads``): it exists, with the size
/// of its cached copy, which is the newest content. A mount's own folder always exists.
struct BlobNamespace: Namespace {
    let path: String
    /// The blob the path maps to.
    let blob: BlobTarget
    /// The native clients, one per storage account.
    let clients: BlobClientPool
    /// The cache, for reads that may download.
    let cacheStore: CacheStore
    /// The files written but not uploaded yet.
    let pendingUploads: PendingUploads
    /// The resolver, to check that a listed name maps back to its blob.
    let resolver: PathResolver

    func exists() async throws -> Bool {
        if try await isBlob() { return true }
        return try await isFolder()
    }

    func isFile() async throws -> Bool {
        try await isBlob()
    }

    func isFolder() async throws -> Bool {
        if blob.relativePath.isEmpty || pendingUploads.containsAny(under: blob) { return true }
        return try await AzFuseError.naming(path) { try await client().hasBlobs(withPrefix: blob.blobName + "/") }
    }

    func size() async throws -> Int64 {
        guard !pendingUploads.contains(blob) else {
            return try LocalNamespace.fileSize(blob.cachePath, reportedPath: path)
        }
        return try await AzFuseError.naming(path) { try await client().properties(of: blob.blobName).size }
    }

    func isSymbolicLink() -> Bool {
        false
    }

    func readRange(offset: Int64, length: Int) async throws -> Data {
        guard length > 0 else { return Data() }
        return try await AzFuseError.naming(path) {
            try await client().read(blob.blobName, offset: offset, length: length)
        }
    }

    var cachePath: String { blob.cachePath }

    nonisolated(nonsending) func openForReading() async throws -> Int32 {
        try await cacheStore.openForReading(blob, reportedPath: path)
    }

    func fileForReading() async throws -> String {
        try await cacheStore.fileForReading(blob, reportedPath: path)
    }

    /// The native client for the blob's storage account.
    func client() throws -> ContainerClient {
        try clients.client(for: blob.account)
    }

    /// Whether the blob itself exists (or waits for its upload); a mount's own folder is never a file.
    private func isBlob() async throws -> Bool {
        if blob.relativePath.isEmpty { return false }
        if pendingUploads.contains(blob) { return true }
        do {
            _ = try await AzFuseError.naming(path) { try await client().properties(of: blob.blobName) }
            return true
        } catch let error as AzFuseError where error.code == .notFound {
            return false
        }
    }
}
