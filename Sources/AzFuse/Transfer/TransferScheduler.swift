// The Transfer folder's contract. Every download into the cache and every upload of a file goes through
// TransferScheduler, which guarantees:
// - group commit: requests arriving while a lane's batch runs go out together as that lane's next batch, and a
//   request to an idle lane goes out at once;
// - one batch at a time per lane (downloads per endpoint, container and cache folder; uploads per endpoint and
//   container), with identical requests in a batch sent once and each requester receiving its own blob's outcome;
// - routing of each batch by TransferRouter: a few files through the native client (Native/), many through one
//   azcopy invocation (AzCopy/), both behind TransferEngine;
// - cancellation per requester: a requester leaves at once, a batch is cancelled only when all of its requesters left.
// The rules live in TransferSchedulerStateMachine (a value, unit-tested); the actor only executes its actions.
// Retries are not the scheduler's business: RetryPolicy governs every native request and every azcopy job.

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
///
/// Those rules are ``TransferSchedulerStateMachine``'s; this actor executes its actions: it starts each batch's task
/// on the routed engine, cancels batches, resumes requesters and keeps the statistics.
actor TransferScheduler {
    typealias Outcome = Result<Void, any Error>
    private typealias Machine = TransferSchedulerStateMachine<@Sendable (Outcome) -> Void>

    private let router: TransferRouter
    private var machine = Machine()
    /// The task of every running batch, to cancel it when all its requesters left.
    private var batches: [Machine.BatchID: Task<Void, Never>] = [:]
    private let queueDidChange: (@Sendable (_ queued: Int) -> Void)?
    /// What the scheduler has done so far.
    private(set) var statistics = TransferStatistics()

    /// Creates a scheduler.
    ///
    /// - Parameters:
    ///   - router: Picks the engine for each batch.
    ///   - queueDidChange: Called after every enqueue, batch end and abandonment with the number of requests
    ///     queued behind running batches (over every lane); tests use it to know that requests have arrived,
    ///     instead of sleeping.
    init(router: TransferRouter, queueDidChange: (@Sendable (_ queued: Int) -> Void)? = nil) {
        self.router = router
        self.queueDidChange = queueDidChange
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
        await submit(targets.map(TransferWork.download), progress: progress)
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
        await submit(items.map(TransferWork.upload), progress: nil)
    }

    private func submit(_ work: TransferWork) async throws {
        let id = machine.makeRequestID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                enqueue([Machine.Request(id: id, work: work, waiter: { continuation.resume(with: $0) })])
            }
        } onCancel: {
            Task { await self.abandon([id]) }
        }
    }

    private func submit(_ works: [TransferWork], progress: (@Sendable (Int) -> Void)?) async -> [Outcome] {
        guard !works.isEmpty else { return [] }
        let ids = works.map { _ in machine.makeRequestID() }
        let collector = OutcomeCollector(count: works.count, progress: progress)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[Outcome], Never>) in
                collector.setCompletion { continuation.resume(returning: $0) }
                let requests = works.indices.map { index in
                    Machine.Request(id: ids[index], work: works[index], waiter: { collector.record($0, at: index) })
                }
                if Task.isCancelled {
                    for request in requests { request.waiter(.failure(CancellationError())) }
                } else {
                    enqueue(requests)
                }
            }
        } onCancel: {
            Task { await self.abandon(ids) }
        }
    }

    private func enqueue(_ requests: [Machine.Request]) {
        for batch in machine.enqueue(requests) { start(batch) }
        queueDidChange?(machine.queuedCount)
    }

    private func start(_ batch: Machine.BatchStart) {
        let works = batch.works
        let engine = router.engine(forBatchOf: works.count)
        if batch.lane.isUpload {
            statistics.uploadBatches[engine.kind, default: 0] += 1
            statistics.uploadFiles[engine.kind, default: 0] += works.count
        } else {
            statistics.batches[engine.kind, default: 0] += 1
            statistics.files[engine.kind, default: 0] += works.count
        }
        let id = batch.batch
        batches[id] = Task {
            let outcomes = await Self.run(works, on: engine)
            self.batchFinished(id, outcomes: outcomes)
        }
    }

    private static func run(_ batch: [TransferWork], on engine: any TransferEngine) async -> [Outcome] {
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

    private func batchFinished(_ id: Machine.BatchID, outcomes: [Outcome]) {
        batches[id] = nil
        let actions = machine.batchFinished(id, outcomes: outcomes)
        for resumption in actions.resume { resumption.waiter(resumption.outcome) }
        for batch in actions.start { start(batch) }
        queueDidChange?(machine.queuedCount)
    }

    private func abandon(_ ids: [Machine.RequestID]) {
        let actions = machine.abandon(ids)
        for id in actions.cancel { batches[id]?.cancel() }
        for resumption in actions.resume { resumption.waiter(resumption.outcome) }
        queueDidChange?(machine.queuedCount)
    }
}
