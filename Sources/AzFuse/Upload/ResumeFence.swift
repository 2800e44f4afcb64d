import AzFuseBlobClient
import Foundation

/// Uploads content resumed from a dead writer's journal under a blob lease, so that a request the dead writer sent
/// before it died, arriving late, fails (HTTP 412, no lease ID) instead of replacing the newer content.
///
/// The lease is acquired before the upload (for a blob that does not exist yet: right after it, then the committed
/// content is checked by its MD5 and uploaded again under the lease if a stray request got in between), renewed while
/// held, and released ``UploadOptions/resumeFence`` after the resume started. A stray request committing later than
/// that can still win; the window is documented in Docs/Guarantees.md.
enum ResumeFence {
    /// The lease duration asked for; renewed every third of it while held.
    static let leaseSeconds = 60

    /// Uploads `item` under a new lease and returns the lease ID (the caller keeps renewing and releases it).
    static func upload(_ item: UploadItem, client: ContainerClient) async throws -> String {
        let id = UUID().uuidString.lowercased()
        let blob = item.target.blobName
        do {
            try await client.acquireLease(on: blob, id: id, seconds: leaseSeconds)
        } catch let error as AzFuseError where error.code == .notFound {
            let uploaded = try await upload(item, client: client, leaseID: nil)
            try await client.acquireLease(on: blob, id: id, seconds: leaseSeconds)
            if try await client.properties(of: blob).contentMD5 == uploaded.contentMD5 { return id }
        }
        do {
            _ = try await upload(item, client: client, leaseID: id)
        } catch {
            try? await client.releaseLease(on: blob, id: id)
            throw error
        }
        return id
    }

    /// Uploads `item` with `leaseID` (or none).
    static func upload(_ item: UploadItem, client: ContainerClient, leaseID: String?) async throws -> BlobProperties {
        try await client.upload(from: item.source, to: item.target.blobName, leaseID: leaseID)
    }

    /// Keeps the lease until `deadline` (renewing it), then releases it; stops early if renewing fails.
    static func hold(blob: String, id: String, client: ContainerClient, until deadline: ContinuousClock.Instant) async {
        while ContinuousClock.now < deadline {
            let next = min(deadline, ContinuousClock.now + .seconds(leaseSeconds / 3))
            try? await Task.sleep(until: next, clock: .continuous)
            if ContinuousClock.now < deadline {
                guard (try? await client.renewLease(on: blob, id: id)) != nil else { return }
            }
        }
        try? await client.releaseLease(on: blob, id: id)
    }

    /// Whether a write failed because someone (a resumer's fence, or a user's lease) holds a lease on the blob:
    /// worth retrying after a while.
    static func isLeaseHeld(_ error: any Error) -> Bool {
        guard let code = (error as? AzFuseError)?.azureErrorCode else { return false }
        return [
            "LeaseIdMissing", "LeaseAlreadyPresent", "LeaseIdMismatchWithBlobOperation",
            "LeaseNotPresentWithBlobOperation",
        ]
        .contains(code)
    }
}
