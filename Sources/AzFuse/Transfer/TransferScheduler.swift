/// Coalesces concurrent download and upload requests from every task of the process into batches (group commit).
///
/// Requests are kept in lanes: downloads per storage endpoint, container and cache folder; uploads per storage
/// endpoint and container. When a lane is idle, a request starts a batch at once, so a lone request waits for
/// nothing. While a batch runs, new requests queue, and they all go out together as the next batch, routed to the
/// engine that finishes it soonest (a few files through the native client, many through one azcopy invocation).
/// Each requester receives its own blob's outcome; a requester whose task is cancelled leaves at once, and a batch is
/// cancelled only when every requester in it has left.
///
/// Within one batch, requests for the same cache file (downloads) or the same blob (uploads) are sent once; for
/// uploads the latest request's file is the one sent, and every requester receives that outcome.
actor TransferScheduler {
    typealias Outcome = Result<Void, any Error>

    /// What a request asks for.
    private enum Work: Sendable {
        case download(BlobTarget)
        case upload(UploadItem)

        /// Requests with the same key in one batch are sent once.
        var key: String {
            switch self {
            case .download(let target): target.cachePath
            case .upload(let item): item.target.blobName
            }
        }

        var lane: LaneKey {
            switch self {
            case .download(let target): LaneKey(target, isUpload: false)
            case .upload(let item): LaneKey(item.target, isUpload: true)
            }
        }
    }

    private struct Request {
        let id: UInt64
        let work: Work
        let deliver: @Sendable (Outcome) -> Void
    }

    private struct LaneKey: Hashable {
        let isUpload: Bool
        let endpoint: String
        let container: String
        /// Downloads land in one cache folder per batch; uploads can come from anywhere.
        let cacheRoot: String

        init(_ target: BlobTarget, isUpload: Bool) {
            self.isUpload = isUpload
            endpoint = target.account.endpoint.absoluteString
            container = target.container
            cacheRoot = isUpload ? "" : target.cacheRoot
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
        try await submit(.download(target))
    }

    /// Downloads many blobs, enqueued together so they share batches.
    ///
    /// - Parameters:
    ///   - targets: The blobs; their cache paths should be distinct.
    ///   - progress: Called after each blob's outcome with the number finished so far.
    /// - Returns: One outcome per target, in order.
    func download(_ targets: [BlobTarget], progress: (@Sendable (Int) -> Void)? = nil) async -> [Outcome] {
        await submit(targets.map(Work.download), progress: progress)
    }

    /// Uploads one file to its blob, in whichever batch it lands.
    ///
    /// - Throws: The file's own error, or `CancellationError` (the blob may or may not have been written).
    func upload(_ item: UploadItem) async throws {
        try await submit(.upload(item))
    }

    /// Uploads many files, enqueued together so they share batches.
    ///
    /// - Parameter items: The files and their blobs.
    /// - Returns: One outcome per item, in order.
    func upload(_ items: [UploadItem]) async -> [Outcome] {
        await submit(items.map(Work.upload), progress: nil)
    }

    private func submit(_ work: Work) async throws {
        let id = makeID()
        let key = work.lane
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                enqueue([Request(id: id, work: work, deliver: { continuation.resume(with: $0) })], key: key)
            }
        } onCancel: {
            Task { await self.abandon([id], key: key) }
        }
    }

    private func submit(_ works: [Work], progress: (@Sendable (Int) -> Void)?) async -> [Outcome] {
        guard !works.isEmpty else { return [] }
        let ids = works.map { _ in makeID() }
        let collector = OutcomeCollector(count: works.count, progress: progress)
        let requestsByLane = Dictionary(grouping: works.indices, by: { works[$0].lane })
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[Outcome], Never>) in
                collector.setCompletion { continuation.resume(returning: $0) }
                for (key, indices) in requestsByLane {
                    let requests = indices.map { index in
                        Request(id: ids[index], work: works[index], deliver: { collector.record($0, at: index) })
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
        // Downloads keep the first request per cache file (they are all the same blob); uploads keep the latest.
        var works: [String: Work] = [:]
        var order: [String] = []
        for request in requests {
            let workKey = request.work.key
            if works[workKey] == nil {
                order.append(workKey)
            } else if !key.isUpload {
                continue
            }
            works[workKey] = request.work
        }
        let batch = order.map { works[$0]! }
        let engine = router.engine(forBatchOf: batch.count)
        if key.isUpload {
            statistics.uploadBatches[engine.kind, default: 0] += 1
            statistics.uploadFiles[engine.kind, default: 0] += batch.count
        } else {
            statistics.batches[engine.kind, default: 0] += 1
            statistics.files[engine.kind, default: 0] += batch.count
        }
        lane.batch = Task {
            let outcomes = await Self.run(batch, on: engine)
            self.finishBatch(key, outcomes: Dictionary(zip(order, outcomes), uniquingKeysWith: { first, _ in first }))
        }
        lanes[key] = lane
    }

    private static func run(_ batch: [Work], on engine: any TransferEngine) async -> [Outcome] {
        var targets: [BlobTarget] = []
        var items: [UploadItem] = []
        for work in batch {
            switch work {
            case .download(let target): targets.append(target)
            case .upload(let item): items.append(item)
            }
        }
        return targets.isEmpty ? await engine.upload(items) : await engine.download(targets)
    }

    private func finishBatch(_ key: LaneKey, outcomes: [String: Outcome]) {
        guard var lane = lanes[key] else { return }
        for request in lane.running.values {
            request.deliver(
                outcomes[request.work.key]
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
