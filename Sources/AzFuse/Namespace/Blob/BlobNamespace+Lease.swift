import Foundation

extension BlobNamespace {
    func withLease<Value>(
        duration: Duration, timeout: Duration, isolation: isolated (any Actor)?, _ body: () async throws -> Value
    ) async throws -> Value {
        let client = try client()
        let (path, blobName) = (path, blob.blobName)
        let id = UUID().uuidString.lowercased()
        let seconds = Int(duration.components.seconds)
        var created = false
        try await LeaseRetry.retryWhileHeld(path: path, timeout: timeout) {
            while true {
                do {
                    try await client.acquireLease(on: blobName, id: id, seconds: seconds)
                    return true
                } catch let error as AzFuseError where error.code == .notFound && !created {
                    created = true
                    _ = try await AzFuseError.naming(path) { try await client.createEmptyBlobIfMissing(blobName) }
                } catch let error as AzFuseError where Self.isHeldByAnother(error) {
                    return false
                } catch var error as AzFuseError {
                    error.path = path
                    throw error
                }
            }
        }
        let outcome: Result<Value, any Error>
        let lost: AzFuseError?
        (outcome, lost) = await withTaskGroup(of: AzFuseError?.self, isolation: isolation) { group in
            group.addTask { await Self.renew(client: client, blobName: blobName, id: id, every: duration / 3) }
            let outcome: Result<Value, any Error>
            do {
                outcome = .success(try await body())
            } catch {
                outcome = .failure(error)
            }
            group.cancelAll()
            return (outcome, await group.next() ?? nil)
        }
        await Task.detached { try? await client.releaseLease(on: blobName, id: id) }.value
        let value = try outcome.get()
        if var lost {
            lost.message =
                "the lease could not be renewed while the body ran, so another holder may have had it: "
                + lost.message
            lost.code = .conflict
            lost.path = path
            throw lost
        }
        return value
    }

    func breakLease() async throws {
        try await AzFuseError.naming(path) { try await client().breakLease(on: blob.blobName) }
    }

    private static func isHeldByAnother(_ error: AzFuseError) -> Bool {
        error.code == .conflict
            && ["LeaseAlreadyPresent", "LeaseIsBreakingAndCannotBeAcquired"].contains(error.azureErrorCode ?? "")
    }

    /// Renews the lease every `interval` until cancelled; returns the error that ended renewing, or `nil` when it
    /// was cancelled.
    private static func renew(client: ContainerClient, blobName: String, id: String, every interval: Duration) async
        -> AzFuseError?
    {
        while true {
            do {
                try await Task.sleep(for: interval)
                try await client.renewLease(on: blobName, id: id)
            } catch let error as AzFuseError where error.code != .cancelled {
                return error
            } catch {
                return nil
            }
        }
    }
}
