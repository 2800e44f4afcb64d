/// Coalesces concurrent download requests from every task of the process into batches (group commit).
///
/// Requests are kept in lanes, one per storage endpoint, container and cache folder. When a lane is idle, a request
/// starts a batch at once, so a lone request waits for nothing. While a batch runs, new requests queue, and they all
/// go out together as the next batch, routed to the engine that finishes it soonest. Each requester receives its
/// own blob's outcome; a requester whose task is cancelled leaves at once, and a batch is cancelled only when every
/// requester in it has left.
actor TransferScheduler {
    typealias Outcome = Result<Void, any Error>

    private struct Request {
        let id: UInt64
        let target: BlobTarget
        let deliver: @Sendable (Outcome) -> Void
    }

    private struct LaneKey: Hashable {
        let endpoint: String
        let container: String
        let cacheRoot: String

        init(_ target: BlobTarget) {
            endpoint = target.account.endpoint.absoluteString
            container = target.container
            cacheRoot = target.cacheRoot
        }
    }

    private struct Lane {
        var pending: [Request] = []
        var running: [UInt64: Request] = [:]
        var batch: Task<Void, Never>?
    }

    private let router: TransferRouter
    private var lanes: [LaneKey: Lane] = [:]
    private var nextID: UInt64 = 0
    /// What the scheduler has done so far.
    private(set) var statistics = TransferStatistics()

    init(router: TransferRouter) {
        self.router = router
    }

    /// Downloads one blob into its cache file, in whichever batch it lands.
    ///
    /// - Throws: The blob's own error (for example ``AzFuseError/Code/notFound``), or `CancellationError`.
    func download(_ target: BlobTarget) async throws {
        let id = makeID()
        let key = LaneKey(target)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                enqueue([Request(id: id, target: target, deliver: { continuation.resume(with: $0) })], key: key)
            }
        } onCancel: {
            Task { await self.abandon([id], key: key) }
        }
    }

    /// Downloads many blobs, enqueued together so they share batches.
    ///
    /// - Parameters:
    ///   - targets: The blobs; their cache paths should be distinct.
    ///   - progress: Called after each blob's outcome with the number finished so far.
    /// - Returns: One outcome per target, in order.
    func download(_ targets: [BlobTarget], progress: (@Sendable (Int) -> Void)? = nil) async -> [Outcome] {
        guard !targets.isEmpty else { return [] }
        let ids = targets.map { _ in makeID() }
        let collector = OutcomeCollector(count: targets.count, progress: progress)
        let requestsByLane = Dictionary(grouping: targets.indices, by: { LaneKey(targets[$0]) })
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[Outcome], Never>) in
                collector.setCompletion { continuation.resume(returning: $0) }
                for (key, indices) in requestsByLane {
                    let requests = indices.map { index in
                        Request(id: ids[index], target: targets[index], deliver: { collector.record($0, at: index) })
                    }
                    if Task.isCancelled {
                        for request in requests { request.deliver(.failure(CancellationError())) }
                    } else {
                        enqueue(requests, key: key)
                    }
                }
            }
        } onCancel: {
            Task {
                for (key, indices) in requestsByLane { await self.abandon(indices.map { ids[$0] }, key: key) }
            }
        }
    }

    private func makeID() -> UInt64 {
        nextID += 1
        return nextID
    }

    private func enqueue(_ requests: [Request], key: LaneKey) {
        lanes[key, default: Lane()].pending.append(contentsOf: requests)
        startBatchIfIdle(key)
    }

    private func startBatchIfIdle(_ key: LaneKey) {
        guard var lane = lanes[key] else { return }
        guard lane.batch == nil else { return }
        guard !lane.pending.isEmpty else {
            lanes[key] = nil
            return
        }
        let requests = lane.pending
        lane.pending = []
        lane.running = Dictionary(uniqueKeysWithValues: requests.map { ($0.id, $0) })
        var targetsByCachePath: [String: BlobTarget] = [:]
        for request in requests where targetsByCachePath[request.target.cachePath] == nil {
            targetsByCachePath[request.target.cachePath] = request.target
        }
        let targets = Array(targetsByCachePath.values)
        let engine = router.engine(forBatchOf: targets.count)
        statistics.batches[engine.kind, default: 0] += 1
        statistics.files[engine.kind, default: 0] += targets.count
        lane.batch = Task {
            let outcomes = await engine.download(targets)
            let outcomeByCachePath = Dictionary(
                zip(targets.map(\.cachePath), outcomes), uniquingKeysWith: { first, _ in first })
            self.finishBatch(key, outcomes: outcomeByCachePath)
        }
        lanes[key] = lane
    }

    private func finishBatch(_ key: LaneKey, outcomes: [String: Outcome]) {
        guard var lane = lanes[key] else { return }
        for request in lane.running.values {
            request.deliver(
                outcomes[request.target.cachePath]
                    ?? .failure(AzFuseError(.transferFailed, "the transfer engine returned no outcome for this blob")))
        }
        lane.running = [:]
        lane.batch = nil
        lanes[key] = lane
        startBatchIfIdle(key)
    }

    private func abandon(_ ids: [UInt64], key: LaneKey) {
        guard var lane = lanes[key] else { return }
        let abandoned = Set(ids)
        var leaving: [Request] = []
        lane.pending.removeAll { request in
            guard abandoned.contains(request.id) else { return false }
            leaving.append(request)
            return true
        }
        for id in ids {
            if let request = lane.running.removeValue(forKey: id) { leaving.append(request) }
        }
        if lane.running.isEmpty, let batch = lane.batch, !leaving.isEmpty {
            batch.cancel()
        }
        lanes[key] = lane
        for request in leaving { request.deliver(.failure(CancellationError())) }
    }
}
