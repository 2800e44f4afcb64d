import Foundation

extension BlobClient {
    /// Acquires a lease on a blob (Lease Blob, `acquire`), or renews it when `id` already holds it.
    ///
    /// - Parameters:
    ///   - blob: The blob name inside the container.
    ///   - id: The proposed lease ID (a UUID). Proposing it makes a retried acquire idempotent.
    ///   - seconds: The lease duration, 15 to 60 seconds, or -1 for infinite.
    /// - Throws: `BlobError`: `.conflict` with ``BlobError/azureErrorCode`` `LeaseAlreadyPresent` when another
    ///   holder has it, `.notFound` when the blob does not exist.
    package func acquireLease(on blob: String, id: String, seconds: Int) async throws {
        _ = try await lease(
            "acquire", on: blob,
            headers: ["x-ms-proposed-lease-id": id, "x-ms-lease-duration": String(seconds)])
    }

    /// Renews a lease this client holds, restarting its duration.
    ///
    /// - Parameters:
    ///   - blob: The blob name inside the container.
    ///   - id: The lease ID.
    /// - Throws: `BlobError` (`.conflict` when the lease was lost or broken).
    package func renewLease(on blob: String, id: String) async throws {
        _ = try await lease("renew", on: blob, headers: ["x-ms-lease-id": id])
    }

    /// Releases a lease this client holds, so another holder can acquire it at once.
    ///
    /// - Parameters:
    ///   - blob: The blob name inside the container.
    ///   - id: The lease ID.
    /// - Throws: `BlobError` (`.conflict` when the lease was lost or broken).
    package func releaseLease(on blob: String, id: String) async throws {
        _ = try await lease("release", on: blob, headers: ["x-ms-lease-id": id])
    }

    /// Breaks whatever lease is on a blob, at once (break period 0), whoever holds it; a blob without a lease is
    /// left as it is.
    ///
    /// - Parameter blob: The blob name inside the container.
    /// - Throws: `BlobError` (`.notFound` when the blob does not exist).
    package func breakLease(on blob: String) async throws {
        do {
            _ = try await lease("break", on: blob, headers: ["x-ms-lease-break-period": "0"])
        } catch let error as BlobError where error.azureErrorCode == "LeaseNotPresentWithLeaseOperation" {
            return
        }
    }

    private func lease(_ action: String, on blob: String, headers: [String: String]) async throws -> HTTPResponse {
        var request = BlobRequest(operation: "Lease Blob (\(action))", method: "PUT", blobName: blob)
        request.query = [("comp", "lease")]
        request.headers = headers
        request.headers["x-ms-lease-action"] = action
        return try await service.send(request)
    }
}
