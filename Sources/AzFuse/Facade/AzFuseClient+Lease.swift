import Foundation

extension AzFuseClient {
    /// Runs `body` while holding a lease on a blob: a lock shared by every machine that can reach the storage
    /// account, for example the workers of one training job electing who writes a checkpoint.
    ///
    /// The lease is acquired with a finite duration and renewed in the background every third of it while `body`
    /// runs, then released when `body` returns, throws or is cancelled; if this process dies, the lease expires by
    /// itself after `duration`. While another holder has the lease, acquiring is retried with growing delays until
    /// `timeout`. If the blob does not exist, an empty blob is created first, as azfuse did.
    ///
    /// For an unmapped path the lock is a local advisory lock (`flock`) on the file, created empty if missing, so
    /// the same code coordinates processes of one machine.
    ///
    /// ```swift
    /// try await fuse.withLease(on: "runs/1/checkpoint.lock") {
    ///     try await fuse.write(checkpoint, to: "runs/1/checkpoint.bin")
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - path: A logical path; its blob is the lock.
    ///   - duration: The lease duration, 15 to 60 seconds: how long others wait after a holder died.
    ///   - timeout: How long to wait for another holder to let go.
    ///   - isolation: Where `body` runs; leave the default, the caller's actor (so `body` need not be `Sendable`).
    ///   - body: The code to run while holding the lease.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws; else ``AzFuseError`` naming the path: ``AzFuseError/Code/conflict`` when the
    ///   lease stayed held by another holder until `timeout`, or when renewing failed so the lease may have been
    ///   lost while `body` ran; ``AzFuseError/Code/cancelled`` when cancelled while waiting;
    ///   ``AzFuseError/Code/invalidArgument`` for a duration outside 15...60 seconds.
    public func withLease<Value>(
        on path: String,
        duration: Duration = .seconds(30),
        timeout: Duration = .seconds(300),
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Value
    ) async throws -> Value {
        guard duration >= .seconds(15), duration <= .seconds(60) else {
            throw AzFuseError(
                .invalidArgument, "a lease lasts 15 to 60 seconds, not \(duration); AzFuse renews it while you hold it",
                path: path)
        }
        return try await namespace(for: path).withLease(
            duration: duration, timeout: timeout, isolation: isolation, body)
    }

    /// Breaks the lease on a mapped path's blob at once, whoever holds it: for a holder that died with an infinite
    /// lease, or to take over from a stuck one. The holder's next renewal fails.
    ///
    /// A blob without a lease is left as it is.
    ///
    /// - Parameter path: A mapped logical path.
    /// - Throws: ``AzFuseError`` naming the path: ``AzFuseError/Code/notFound`` for a missing blob,
    ///   ``AzFuseError/Code/unsupported`` for an unmapped path.
    public func breakLease(on path: String) async throws {
        try await namespace(for: path).breakLease()
    }
}
