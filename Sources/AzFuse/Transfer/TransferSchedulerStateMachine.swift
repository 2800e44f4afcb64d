/// The decisions of ``TransferScheduler`` as a value: its lanes, the requests queued in them, the batches running and
/// who waits for what. It starts no task, calls no engine and resumes nobody; each mutating method returns what the
/// scheduler must do (start a batch, cancel one, hand outcomes to waiters), so every rule below can be tested
/// deterministically.
///
/// - Lanes: requests wait in the lane of their ``TransferWork/lane`` (downloads per endpoint, container and cache
///   folder; uploads per endpoint and container). Lanes are independent.
/// - Group commit: a lane that may start a batch starts one at once with everything queued in it, so a lone request
///   waits for nothing; requests arriving while the lane's batch runs queue and go out together as the next batch.
///   A lane may start a batch when none of its batches is running (``mayStartBatch(in:)``, the one place that
///   decides it).
/// - Coalescing: within a batch, requests with the same ``TransferWork/key`` are sent once, in the order the keys
///   first arrived; a download keeps the first request's work (they all name the same blob), an upload the latest
///   (its file is the newest), and every requester of a key receives that key's outcome.
/// - Abandonment: an abandoned request is answered at once with `CancellationError` and receives nothing more; a
///   queued one never goes out. A running batch is cancelled only when every request in it has been abandoned.
///
/// `Waiter` is whatever answers a request: a continuation's resume closure in the scheduler, a label in tests.
struct TransferSchedulerStateMachine<Waiter> {
    typealias Outcome = Result<Void, any Error>

    /// Names one request for as long as the machine lives.
    struct RequestID: Hashable, Sendable {
        let rawValue: UInt64
    }

    /// Names one batch for as long as the machine lives.
    struct BatchID: Hashable, Sendable {
        let rawValue: UInt64
    }

    /// One requester waiting for one piece of work.
    struct Request {
        let id: RequestID
        let work: TransferWork
        let waiter: Waiter
    }

    /// Action: send `works` (distinct keys, of one lane) through one engine, then report their outcomes, in the same
    /// order, with ``batchFinished(_:outcomes:)``.
    struct BatchStart: Sendable {
        let batch: BatchID
        let lane: TransferWork.LaneKey
        let works: [TransferWork]
    }

    /// Action: resume `waiter` with `outcome`.
    struct Resumption {
        let waiter: Waiter
        let outcome: Outcome
    }

    /// What to do after ``batchFinished(_:outcomes:)``: answer the batch's waiters, then start the next batches.
    struct BatchFinishedActions {
        var resume: [Resumption] = []
        var start: [BatchStart] = []
    }

    /// What to do after ``abandon(_:)``: cancel the batches nobody waits for any more, and answer the abandoned
    /// requests (each with `CancellationError`).
    struct AbandonActions {
        var cancel: [BatchID] = []
        var resume: [Resumption] = []
    }

    private struct RunningBatch {
        /// The works' keys, in the order of the works sent.
        let keys: [String]
        /// Requests still waiting for this batch, in arrival order.
        var waiters: [Request]
        var isCancelled = false
    }

    private struct Lane {
        /// Requests waiting for a batch, in arrival order.
        var queued: [Request] = []
        var running: [BatchID: RunningBatch] = [:]

        var isEmpty: Bool { queued.isEmpty && running.isEmpty }
    }

    private var lanes: [TransferWork.LaneKey: Lane] = [:]
    private var laneOfBatch: [BatchID: TransferWork.LaneKey] = [:]
    private var lastRequestID: UInt64 = 0
    private var lastBatchID: UInt64 = 0

    init() {}

    /// Requests queued behind running batches, over every lane.
    var queuedCount: Int { lanes.values.reduce(0) { $0 + $1.queued.count } }

    /// Batches started and not finished yet, over every lane.
    var runningBatchCount: Int { laneOfBatch.count }

    /// Whether no request is queued and no batch runs.
    var isIdle: Bool { lanes.isEmpty }

    /// A new request id, for a request about to be enqueued (the scheduler needs it first, to abandon it).
    mutating func makeRequestID() -> RequestID {
        lastRequestID += 1
        return RequestID(rawValue: lastRequestID)
    }

    /// Queues requests in their lanes.
    ///
    /// - Returns: The batches to start: one per lane of `requests` that may start a batch, in the order the lanes
    ///   first appear in `requests`.
    mutating func enqueue(_ requests: [Request]) -> [BatchStart] {
        var touched: [TransferWork.LaneKey] = []
        var seen: Set<TransferWork.LaneKey> = []
        for request in requests {
            let key = request.work.lane
            lanes[key, default: Lane()].queued.append(request)
            if seen.insert(key).inserted { touched.append(key) }
        }
        return touched.compactMap { startBatchIfAllowed(in: $0) }
    }

    /// Records the outcomes of a batch started by a ``BatchStart``.
    ///
    /// - Parameters:
    ///   - batch: The batch.
    ///   - outcomes: One outcome per work of the batch, in order. A work without one (a short array) fails with
    ///     ``AzFuseError/Code/transferFailed``.
    /// - Returns: The outcome for every request still waiting for the batch, and the batches that may start now.
    mutating func batchFinished(_ batch: BatchID, outcomes: [Outcome]) -> BatchFinishedActions {
        guard let key = laneOfBatch.removeValue(forKey: batch) else { return BatchFinishedActions() }
        let finished = withLane(key) { $0.running.removeValue(forKey: batch) } ?? nil
        var actions = BatchFinishedActions()
        if let finished {
            var outcomeByKey: [String: Outcome] = [:]
            for (workKey, outcome) in zip(finished.keys, outcomes) { outcomeByKey[workKey] = outcome }
            actions.resume = finished.waiters.map { request in
                Resumption(
                    waiter: request.waiter,
                    outcome: outcomeByKey[request.work.key]
                        ?? .failure(
                            AzFuseError(.transferFailed, "the transfer engine returned no outcome for this blob")))
            }
        }
        if let next = startBatchIfAllowed(in: key) { actions.start.append(next) }
        return actions
    }

    /// Drops requests whose requesters left (their tasks were cancelled). Ids already answered are ignored.
    ///
    /// - Returns: The batches left without waiters, to cancel, and a `CancellationError` for each dropped request.
    mutating func abandon(_ ids: some Sequence<RequestID>) -> AbandonActions {
        let leaving = Set(ids)
        var actions = AbandonActions()
        for key in Array(lanes.keys) where actions.resume.count < leaving.count {
            withLane(key) { lane in
                lane.queued.removeAll { request in
                    guard leaving.contains(request.id) else { return false }
                    actions.resume.append(Resumption(waiter: request.waiter, outcome: .failure(CancellationError())))
                    return true
                }
                for (batch, var running) in lane.running {
                    let waiting = running.waiters.count
                    running.waiters.removeAll { request in
                        guard leaving.contains(request.id) else { return false }
                        actions.resume.append(
                            Resumption(waiter: request.waiter, outcome: .failure(CancellationError())))
                        return true
                    }
                    guard running.waiters.count < waiting else { continue }
                    if running.waiters.isEmpty && !running.isCancelled {
                        running.isCancelled = true
                        actions.cancel.append(batch)
                    }
                    lane.running[batch] = running
                }
            }
        }
        return actions
    }

    /// Whether `lane` may start a batch now: today, when none of its batches is running. Letting new work start while
    /// a batch runs, within a per-account budget, changes this predicate (and makes a batch's end also try the other
    /// lanes of its account); lanes, actions and outcome delivery already allow several batches per lane.
    private func mayStartBatch(in lane: Lane) -> Bool {
        lane.running.isEmpty
    }

    /// Starts a batch of everything queued in the lane, if there is something and the lane may start one.
    private mutating func startBatchIfAllowed(in key: TransferWork.LaneKey) -> BatchStart? {
        guard var lane = lanes.removeValue(forKey: key) else { return nil }
        defer { if !lane.isEmpty { lanes[key] = lane } }
        guard !lane.queued.isEmpty, mayStartBatch(in: lane) else { return nil }
        let requests = lane.queued
        lane.queued = []
        var works: [String: TransferWork] = [:]
        var keys: [String] = []
        for request in requests {
            let workKey = request.work.key
            if works[workKey] == nil {
                keys.append(workKey)
            } else if !key.isUpload {
                continue
            }
            works[workKey] = request.work
        }
        lastBatchID += 1
        let batch = BatchID(rawValue: lastBatchID)
        lane.running[batch] = RunningBatch(keys: keys, waiters: requests)
        laneOfBatch[batch] = key
        return BatchStart(batch: batch, lane: key, works: keys.compactMap { works[$0] })
    }

    /// Runs `body` on the lane in place (taken out of the dictionary, so its arrays are not copied), and forgets the
    /// lane if it is left empty. Returns `nil` when there is no such lane.
    private mutating func withLane<Result>(_ key: TransferWork.LaneKey, _ body: (inout Lane) -> Result) -> Result? {
        guard var lane = lanes.removeValue(forKey: key) else { return nil }
        let result = body(&lane)
        if !lane.isEmpty { lanes[key] = lane }
        return result
    }
}
