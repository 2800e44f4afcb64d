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
        let resolved = try resolve(path)
        guard let blob = resolved.blob else {
            let lock = try FileLock(path: resolved.path)
            try await Self.retryWhileHeld(path: path, timeout: timeout) { try lock.tryLock() }
            defer { lock.unlock() }
            return try await body()
        }
        let client = try client(for: blob)
        let id = UUID().uuidString.lowercased()
        let seconds = Int(duration.components.seconds)
        var created = false
        try await Self.retryWhileHeld(path: path, timeout: timeout) {
            while true {
                do {
                    try await client.acquireLease(on: blob.blobName, id: id, seconds: seconds)
                    return true
                } catch let error as AzFuseError where error.code == .notFound && !created {
                    created = true
                    _ = try await naming(path) { try await client.createEmptyBlobIfMissing(blob.blobName) }
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
            group.addTask { await Self.renew(client: client, blobName: blob.blobName, id: id, every: duration / 3) }
            let outcome: Result<Value, any Error>
            do {
                outcome = .success(try await body())
            } catch {
                outcome = .failure(error)
            }
            group.cancelAll()
            return (outcome, await group.next() ?? nil)
        }
        await Task.detached { try? await client.releaseLease(on: blob.blobName, id: id) }.value
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

    /// Breaks the lease on a mapped path's blob at once, whoever holds it: for a holder that died with an infinite
    /// lease, or to take over from a stuck one. The holder's next renewal fails.
    ///
    /// A blob without a lease is left as it is.
    ///
    /// - Parameter path: A mapped logical path.
    /// - Throws: ``AzFuseError`` naming the path: ``AzFuseError/Code/notFound`` for a missing blob,
    ///   ``AzFuseError/Code/unsupported`` for an unmapped path.
    public func breakLease(on path: String) async throws {
        let blob = try requireBlob(path, for: "breaking a lease")
        try await naming(path) { try await client(for: blob).breakLease(on: blob.blobName) }
    }

    /// Calls `attempt` until it returns `true`, sleeping between attempts with growing, jittered delays, until
    /// `timeout` has passed.
    private static func retryWhileHeld(
        path: String, timeout: Duration, isolation: isolated (any Actor)? = #isolation,
        _ attempt: () async throws -> Bool
    ) async throws {
        let started = ContinuousClock.now
        var delay = Duration.milliseconds(100)
        while try await !attempt() {
            let jittered = delay * Double.random(in: 0.5...1.0)
            guard started.duration(to: .now) + jittered <= timeout else {
                throw AzFuseError(
                    .conflict,
                    "another holder kept the lease for \(timeout); try later, or break it with 'azfuse break' if "
                        + "its holder is stuck", path: path)
            }
            do {
                try await Task.sleep(for: jittered)
            } catch {
                throw AzFuseError(.cancelled, "waiting for the lease was cancelled", path: path)
            }
            delay = min(delay * 2, .seconds(5))
        }
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
