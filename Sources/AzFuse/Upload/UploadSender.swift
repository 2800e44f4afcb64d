import Synchronization

/// Sends journaled files to their blobs, ordering content resumed from dead writers against new writes of the same
/// blobs through this instance.
///
/// New writes go through the ``TransferScheduler`` (batched per account and container). Resumed content goes up one
/// file at a time under a blob lease (``ResumeFence``), and fails with ``Superseded`` when this instance has written
/// newer content of the blob. A new write of a blob waits until resumed uploads of it are done, and uses the fence's
/// lease while one is held.
final class UploadSender: Sendable {
    /// Newer content of the blob was written through this instance: the resumed content is not uploaded.
    struct Superseded: Error {}

    private struct State {
        /// The newest content written through this instance per blob (modification time), to drop older resumed
        /// content.
        var newestWrite: [String: Int64] = [:]
        /// Resumed uploads being sent, per blob: a new write of the blob waits for them, so it lands last.
        var resumesInFlight: [String: Int] = [:]
        /// Leases held on blobs after a resume (see ``ResumeFence``): new writes of the blob upload with it.
        var fences: [String: String] = [:]
    }

    private let scheduler: TransferScheduler
    private let clients: BlobClientPool
    private let options: UploadOptions
    private let state = Mutex(State())

    /// Creates the sender of one instance.
    init(scheduler: TransferScheduler, clients: BlobClientPool, options: UploadOptions) {
        self.scheduler = scheduler
        self.clients = clients
        self.options = options
    }

    /// Notes that content modified at `modified` was written to the blob of `key` through this instance, so older
    /// resumed content of it is not uploaded.
    func noteWrite(blobKey key: String, modified: Int64) {
        state.withLock { $0.newestWrite[key] = max($0.newestWrite[key] ?? .min, modified) }
    }

    /// Uploads many recorded files together and returns one outcome per file, in order.
    func upload(_ pendings: [PendingUpload]) async -> [Result<Void, any Error>] {
        var outcomes = [Result<Void, any Error>](repeating: .success(()), count: pendings.count)
        let resumed = pendings.indices.filter { pendings[$0].isResumed }
        if !resumed.isEmpty {
            await withTaskGroup(of: (Int, Result<Void, any Error>).self) { group in
                var next = 0
                func startNext() {
                    guard next < resumed.count else { return }
                    let index = resumed[next]
                    let pending = pendings[index]
                    next += 1
                    group.addTask { (index, await self.uploadResumed(pending)) }
                }
                for _ in 0..<min(8, resumed.count) { startNext() }
                for await (index, outcome) in group {
                    outcomes[index] = outcome
                    startNext()
                }
            }
        }
        var plain: [Int] = []
        var leased: [(Int, String)] = []
        for (index, pending) in pendings.enumerated() where !pending.isResumed {
            await waitForResumes(of: pending.blobKey)
            if let lease = state.withLock({ $0.fences[pending.blobKey] }) {
                leased.append((index, lease))
            } else {
                plain.append(index)
            }
        }
        for (index, lease) in leased {
            outcomes[index] = await Self.leasedUpload(pendings[index], lease: lease, clients: clients)
        }
        if !plain.isEmpty {
            let results = await scheduler.upload(plain.map { pendings[$0].item })
            for (index, result) in zip(plain, results) { outcomes[index] = result }
        }
        return outcomes
    }

    private static func leasedUpload(
        _ pending: PendingUpload, lease: String, clients: BlobClientPool
    ) async -> Result<Void, any Error> {
        do {
            let client = try clients.client(for: pending.target.account)
            _ = try await ResumeFence.upload(pending.item, client: client, leaseID: lease)
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    private func uploadResumed(_ pending: PendingUpload) async -> Result<Void, any Error> {
        let key = pending.blobKey
        let superseded = state.withLock { state -> Bool in
            if let newest = state.newestWrite[key], newest > pending.record.contentModified { return true }
            state.resumesInFlight[key, default: 0] += 1
            return false
        }
        if superseded { return .failure(Superseded()) }
        defer {
            state.withLock { state in
                state.resumesInFlight[key, default: 1] -= 1
                if state.resumesInFlight[key] == 0 { state.resumesInFlight[key] = nil }
            }
        }
        guard options.resumeFence > .zero else { return await scheduler.upload([pending.item])[0] }
        do {
            let client = try clients.client(for: pending.target.account)
            let deadline = (pending.resumeStarted ?? .now) + options.resumeFence
            let lease: String
            if let held = state.withLock({ $0.fences[key] }) {
                _ = try await ResumeFence.upload(pending.item, client: client, leaseID: held)
                return .success(())
            }
            lease = try await ResumeFence.upload(pending.item, client: client)
            state.withLock { $0.fences[key] = lease }
            let blob = pending.target.blobName
            Task.detached { [self] in
                await ResumeFence.hold(blob: blob, id: lease, client: client, until: deadline)
                state.withLock { state in
                    if state.fences[key] == lease { state.fences[key] = nil }
                }
            }
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    private func waitForResumes(of key: String) async {
        var delay = Duration.milliseconds(2)
        while state.withLock({ $0.resumesInFlight[key] != nil }) {
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(100))
        }
    }
}
