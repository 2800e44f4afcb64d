import Foundation

// The AzFuseBlobClient target: a native Azure Blob Storage REST client for one container.
//
// Contract:
// - What it does: Blob service requests over URLSession (Shared Key signing, SAS, SAS minting), retries with backoff
//   (`BlobRetryPolicy`), streaming ranged downloads and block uploads verified with MD5, listings (XML), leases,
//   metadata; and the support they need: the hashes (MD5, SHA-256, HMAC), HTTP dates, percent-encoding, secret
//   redaction, POSIX file calls (`FileIO`) and the blocking-I/O queue.
// - What it must not depend on: AzFuse or any other target of this package (only the Swift standard library,
//   Foundation, FoundationNetworking, FoundationXML, Synchronization, Dispatch and Glibc). It knows nothing of the
//   cache, its staging folders, the transfer scheduler, mounts or logical paths: a download writes to the file
//   path the caller gives. It takes plain values (`BlobAccount`, the tier's name, SAS permission letters) and
//   throws its own `BlobError`; the library converts from its public types and to `AzFuseError`.
// - Its API is `package`: the library, the demo, the benchmark and the tests use it; it is not public API.

/// A native Azure Blob Storage client for one container, built on URLSession.
///
/// Requests carry the account's SAS token if it has one, else are signed with its key (Shared Key), else go
/// anonymously. Transient failures are retried per ``Configuration/retry``. Downloads and uploads stream through
/// files in chunks, so memory stays bounded whatever the blob size, and are verified with MD5. Every error is a
/// ``BlobError`` whose description never contains a key or a SAS signature.
///
/// ```swift
/// let client = try BlobClient(account: account)
/// let properties = try await client.download("data/train.bin", to: "/cache/train.bin")
/// ```
package struct BlobClient: Sendable {
    /// The account and container this client talks to.
    package var account: BlobAccount { service.account }
    /// Sizes, parallelism, retries and timeouts.
    package var configuration: Configuration { service.configuration }

    let service: BlobService

    /// Creates a client for `account`'s container.
    ///
    /// - Parameters:
    ///   - account: The account, container, credentials and endpoint.
    ///   - configuration: Transfer and retry tuning.
    /// - Throws: `BlobError` `.invalidConfiguration` when the account key is not valid base64.
    package init(account: BlobAccount, configuration: Configuration = Configuration()) throws(BlobError) {
        service = try BlobService(account: account, configuration: configuration)
    }

    /// Fetches a blob's properties (Get Blob Properties).
    ///
    /// - Parameter blob: The blob name inside the container.
    /// - Returns: Size, ETag, last-modified time, MD5, content type, metadata and access tier.
    /// - Throws: `BlobError` (`.notFound` when the blob does not exist).
    package func properties(of blob: String) async throws -> BlobProperties {
        let response = try await service.send(
            BlobRequest(operation: "Get Blob Properties", method: "HEAD", blobName: blob))
        let size = response.header("Content-Length").flatMap { Int64($0) } ?? 0
        return BlobProperties(headersOf: response, size: size, wholeBlobMD5: response.header("Content-MD5"))
    }

    /// Downloads a blob to a local file, replacing it atomically once the content is complete and verified.
    ///
    /// - Parameters:
    ///   - blob: The blob name inside the container.
    ///   - destination: The local file path; its directory must exist.
    /// - Returns: The properties of the blob version that was downloaded.
    /// - Throws: `BlobError`: `.notFound`, `.integrityCheckFailed` (length or MD5 mismatch), `.changedWhileReading`
    ///   (the blob kept changing), `.cancelled`, and the other service and transport codes. No partial file is left.
    package func download(_ blob: String, to destination: String) async throws -> BlobProperties {
        try await BlobDownload(service: service, blobName: blob, destination: destination).run()
    }

    /// Downloads a blob like ``download(_:to:)``, with the partial file in `temporaryDirectory` (which must be on the
    /// destination's file system) rather than next to the destination.
    package func download(_ blob: String, to destination: String, temporaryDirectory: String) async throws
        -> BlobProperties
    {
        try await BlobDownload(
            service: service, blobName: blob, destination: destination, temporaryDirectory: temporaryDirectory
        ).run()
    }

    /// Uploads a local file as a block blob, storing its MD5 as the blob's `Content-MD5`.
    ///
    /// - Parameters:
    ///   - file: The local file path.
    ///   - blob: The blob name inside the container; an existing blob is replaced.
    ///   - contentType: The MIME type to store, or `nil` for the service default.
    ///   - metadata: User metadata (names must be valid C# identifiers, values ASCII).
    /// - Returns: The new blob's properties.
    /// - Throws: `BlobError`: `.notFound` or `.fileSystem` for the local file, and the service and transport codes.
    package func upload(
        from file: String, to blob: String, contentType: String? = nil, metadata: [String: String] = [:]
    ) async throws -> BlobProperties {
        try await BlobUpload(service: service, file: file, blobName: blob, contentType: contentType, metadata: metadata)
            .run()
    }

    /// Uploads a local file like ``upload(from:to:contentType:metadata:)``, sending `leaseID` with every request: a
    /// blob with an active lease refuses writes without its ID, and one without a lease refuses writes with an ID.
    ///
    /// - Parameters:
    ///   - file: The local file path.
    ///   - blob: The blob name inside the container; an existing blob is replaced.
    ///   - leaseID: The lease held on the blob, or `nil` for none.
    /// - Returns: The new blob's properties.
    /// - Throws: `BlobError`, as ``upload(from:to:contentType:metadata:)`` does (HTTP 412 when the lease does not
    ///   match).
    package func upload(from file: String, to blob: String, leaseID: String?) async throws -> BlobProperties {
        var upload = BlobUpload(service: service, file: file, blobName: blob, contentType: nil, metadata: [:])
        upload.leaseID = leaseID
        return try await upload.run()
    }

    /// Deletes a blob.
    ///
    /// - Parameter blob: The blob name inside the container.
    /// - Throws: `BlobError` (`.notFound` when the blob does not exist).
    package func delete(_ blob: String) async throws {
        _ = try await service.send(BlobRequest(operation: "Delete Blob", method: "DELETE", blobName: blob))
    }

    /// Creates the container.
    ///
    /// - Throws: `BlobError` `.conflict` with ``BlobError/azureErrorCode`` `ContainerAlreadyExists` when it
    ///   exists already, so callers can treat that as success.
    package func createContainer() async throws {
        var request = BlobRequest(operation: "Create Container", method: "PUT", blobName: nil)
        request.query = [("restype", "container")]
        _ = try await service.send(request)
    }
}
