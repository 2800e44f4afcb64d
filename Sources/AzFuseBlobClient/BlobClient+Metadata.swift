import Foundation

extension BlobClient {
    /// Replaces a blob's user metadata (Set Blob Metadata); an empty dictionary removes it all.
    ///
    /// - Parameters:
    ///   - metadata: The new metadata. Names must be C# identifiers, values printable ASCII.
    ///   - blob: The blob name inside the container.
    /// - Throws: `BlobError` (`.notFound` when the blob does not exist).
    package func setMetadata(_ metadata: [String: String], for blob: String) async throws {
        var request = BlobRequest(operation: "Set Blob Metadata", method: "PUT", blobName: blob)
        request.query = [("comp", "metadata")]
        for (name, value) in metadata {
            request.headers["x-ms-meta-\(name)"] = value
        }
        _ = try await service.send(request)
    }

    /// Sets a block blob's access tier (Set Blob Tier).
    ///
    /// - Parameters:
    ///   - tier: The new tier as the service spells it: `Hot`, `Cool`, `Cold` or `Archive`.
    ///   - blob: The blob name inside the container.
    /// - Throws: `BlobError` (`.notFound` when the blob does not exist).
    package func setAccessTier(_ tier: String, for blob: String) async throws {
        var request = BlobRequest(operation: "Set Blob Tier", method: "PUT", blobName: blob)
        request.query = [("comp", "tier")]
        request.headers["x-ms-access-tier"] = tier
        _ = try await service.send(request)
    }

    /// Creates an empty block blob unless the blob exists (Put Blob with `If-None-Match: *`).
    ///
    /// - Parameter blob: The blob name inside the container.
    /// - Returns: Whether this call created the blob.
    /// - Throws: `BlobError` for failures other than the blob existing already.
    package func createEmptyBlobIfMissing(_ blob: String) async throws -> Bool {
        var request = BlobRequest(operation: "Put Blob", method: "PUT", blobName: blob)
        request.headers["x-ms-blob-type"] = "BlockBlob"
        request.headers["If-None-Match"] = "*"
        do {
            _ = try await service.send(request)
            return true
        } catch let error as BlobError where error.httpStatus == 409 || error.httpStatus == 412 {
            return false
        }
    }

    /// Whether at least one blob name starts with `prefix` (one List Blobs request for one entry).
    ///
    /// - Parameter prefix: The name prefix; empty for the whole container.
    /// - Returns: `true` if a blob matches.
    /// - Throws: `BlobError` (`.notFound` when the container does not exist).
    package func hasBlobs(withPrefix prefix: String) async throws -> Bool {
        try await !listPage(prefix: prefix, delimiter: nil, marker: nil, maxResults: 1).entries.isEmpty
    }
}
