import AzFuseBlobClient
import Foundation

/// The library's handle on one storage account's container: a `BlobClient` that takes the library's types
/// (``StorageAccount``, ``AccessTier``, ``BlobSASPermissions``) and throws only ``AzFuseError``.
///
/// Every library call of the blob client goes through this type (``BlobClientPool`` hands it out), so every
/// `BlobError` becomes an ``AzFuseError`` here, once, with `AzFuseError(_:path:)`, before any library code can
/// catch it. Errors that are not the client's (cancellation) pass through unchanged.
struct ContainerClient: Sendable {
    /// The client this forwards to.
    let client: BlobClient

    /// Creates a client for `account`'s container.
    ///
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` when the account key is not valid base64.
    init(account: StorageAccount, configuration: BlobClient.Configuration) throws(AzFuseError) {
        do {
            client = try BlobClient(account: account.blobAccount, configuration: configuration)
        } catch {
            throw AzFuseError(error)
        }
    }

    /// Fetches a blob's properties (Get Blob Properties).
    func properties(of blob: String) async throws -> BlobProperties {
        try await converting { try await client.properties(of: blob) }
    }

    /// Downloads a blob to `destination`, through a partial file in `temporaryDirectory` (on the destination's file
    /// system) renamed into place once complete and verified.
    func download(_ blob: String, to destination: String, temporaryDirectory: String) async throws -> BlobProperties {
        try await converting {
            try await client.download(blob, to: destination, temporaryDirectory: temporaryDirectory)
        }
    }

    /// Uploads a local file as a block blob, replacing the blob.
    func upload(from file: String, to blob: String) async throws -> BlobProperties {
        try await converting { try await client.upload(from: file, to: blob) }
    }

    /// Uploads a local file as a block blob, sending `leaseID` (or none) with every request.
    func upload(from file: String, to blob: String, leaseID: String?) async throws -> BlobProperties {
        try await converting { try await client.upload(from: file, to: blob, leaseID: leaseID) }
    }

    /// Deletes a blob.
    func delete(_ blob: String) async throws {
        try await converting { try await client.delete(blob) }
    }

    /// Lists blobs whose names start with `prefix`, following every page; `delimiter` folds deeper names into
    /// prefixes.
    func list(prefix: String = "", delimiter: String? = nil) async throws -> [BlobListEntry] {
        try await converting { try await client.list(prefix: prefix, delimiter: delimiter) }
    }

    /// Whether at least one blob name starts with `prefix`.
    func hasBlobs(withPrefix prefix: String) async throws -> Bool {
        try await converting { try await client.hasBlobs(withPrefix: prefix) }
    }

    /// Reads bytes of a blob into memory; fewer than `length` when the blob ends first.
    func read(_ blob: String, offset: Int64, length: Int) async throws -> Data {
        try await converting { try await client.read(blob, offset: offset, length: length) }
    }

    /// Replaces a blob's user metadata.
    func setMetadata(_ metadata: [String: String], for blob: String) async throws {
        try await converting { try await client.setMetadata(metadata, for: blob) }
    }

    /// Sets a block blob's access tier.
    func setAccessTier(_ tier: AccessTier, for blob: String) async throws {
        try await converting { try await client.setAccessTier(tier.rawValue, for: blob) }
    }

    /// Creates an empty block blob unless the blob exists; returns whether this call created it.
    func createEmptyBlobIfMissing(_ blob: String) async throws -> Bool {
        try await converting { try await client.createEmptyBlobIfMissing(blob) }
    }

    /// Acquires (or, with the same `id`, renews) a lease on a blob for `seconds` (15 to 60, or -1).
    func acquireLease(on blob: String, id: String, seconds: Int) async throws {
        try await converting { try await client.acquireLease(on: blob, id: id, seconds: seconds) }
    }

    /// Renews a lease this client holds.
    func renewLease(on blob: String, id: String) async throws {
        try await converting { try await client.renewLease(on: blob, id: id) }
    }

    /// Releases a lease this client holds.
    func releaseLease(on blob: String, id: String) async throws {
        try await converting { try await client.releaseLease(on: blob, id: id) }
    }

    /// Breaks whatever lease is on a blob, at once; a blob without a lease is left as it is.
    func breakLease(on blob: String) async throws {
        try await converting { try await client.breakLease(on: blob) }
    }

    /// Mints a service SAS for one blob from the account key.
    func makeBlobSAS(for blob: String, permissions: BlobSASPermissions, expiresOn: Date) throws -> String {
        try convertingNow {
            try client.makeBlobSAS(for: blob, permissions: permissions.description, expiresOn: expiresOn)
        }
    }

    /// A URL of the container, or of a blob name prefix inside it, that carries a SAS (the account's, or one
    /// minted with `permissions`).
    func authorizedURL(forBlobPrefix prefix: String, permissions: BlobSASPermissions) throws -> URL {
        try convertingNow { try client.authorizedURL(forBlobPrefix: prefix, permissions: permissions.description) }
    }

    private func converting<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as BlobError {
            throw AzFuseError(error)
        }
    }

    private func convertingNow<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let error as BlobError {
            throw AzFuseError(error)
        }
    }
}
