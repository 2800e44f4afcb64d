/// The decisions of one ``AsyncUploader``, as a value: what is queued, how many bytes wait, which writers wait for
/// room and which callers for a flush, and what failed.
///
/// Every mutating method returns what the uploader must do next (resume these writers, resume these flushes, start
/// draining, drop or keep these files, wait this long before retrying); the machine never suspends, sleeps or does
/// I/O, so it is tested deterministically.
///
/// - **Latest write wins.** Per blob there is one queued entry: a newer write replaces it (the replaced one is
///   returned, to be dropped); an older write, or a second submission of the same record, is not queued. An entry
///   being uploaded is never replaced: the newer one is queued and goes out with the next batch.
/// - **Back-pressure.** A file is queued at once while the bytes queued or uploading leave room for it under
///   ``UploadOptions/maxPendingBytes`` (a larger file is accepted when nothing waits for upload). Otherwise its
///   writer waits; waiters are queued in arrival order as finished uploads make room. A waiting writer that is
///   cancelled is queued at once anyway: its file is already written and journaled.
/// - **Batches.** ``nextBatch()`` takes everything queued, oldest first; files queued meanwhile wait for the next
///   batch. The drain ends when a batch is asked for and nothing is queued.
/// - **Failures.** ``attemptFinished(_:)`` decides per file: commit, drop (superseded), retry (transient failures
///   until ``UploadOptions/maxAttempts`` attempts; a held lease while it is worth waiting for), or keep as failed.
/// - **Flush.** ``flush()`` waits until every file queued before it has finished, then takes the failures so far
///   (each failure is handed out once).
struct AsyncUploaderStateMachine<Item: UploadQueueItem>: Sendable {
    /// Identifies a writer waiting for room, or a caller waiting for a flush.
    typealias WaiterID = UInt64

    /// A queued or uploading file.
    struct Entry: Sendable {
        /// The file.
        let item: Item
        /// Its place in submission order.
        let ticket: UInt64
    }

    /// What the uploader does after a change, besides the caller's own part.
    struct Actions: Sendable {
        /// Writers whose files are now queued, in order, each with the older uploads of its blob to drop.
        var resumeWriters: [(id: WaiterID, superseded: [Item])] = []
        /// Flushes that are over, each with the failures it reports.
        var resumeFlushes: [(id: WaiterID, failures: [AzFuseError])] = []
        /// Whether to start the drain (files are queued and none is running).
        var startDrain = false

        mutating func append(_ other: Actions) {
            resumeWriters += other.resumeWriters
            resumeFlushes += other.resumeFlushes
            startDrain = startDrain || other.startDrain
        }
    }

    /// The answer to ``submit(_:appliesBound:)``.
    enum Submission: Sendable {
        /// The file is queued (or not needed): drop `superseded`, then perform `actions`.
        case queued(superseded: [Item], actions: Actions)
        /// Wait for room; a later ``Actions/resumeWriters`` names this ID.
        case wait(WaiterID)
    }

    /// The answer to ``flush()``.
    enum FlushRequest: Sendable {
        /// Nothing queued before the flush is left: these are the failures to report.
        case done([AzFuseError])
        /// Wait; a later ``Actions/resumeFlushes`` names this ID.
        case wait(WaiterID)
    }

    /// What to do with a file after an attempt.
    enum Settlement: Sendable {
        /// It is committed: promote the content, remove the record.
        case complete
        /// Newer content replaces it: remove the record.
        case drop
        /// It failed for good: keep the content, report the error.
        case keep(any Error)
    }

    /// How a settlement ended, reported back with ``settled(_:_:)``.
    enum Settled: Sendable {
        case uploaded
        case dropped
        case failed(AzFuseError)
    }

    /// The answer to ``attemptFinished(_:)``.
    struct AttemptPlan: Sendable {
        /// Files to settle, in order; report each with ``settled(_:_:)``.
        var settle: [(entry: Entry, settlement: Settlement)] = []
        /// Files to send again.
        var retry: [Entry] = []
        /// How long to wait before sending them again (`nil` when nothing is retried).
        var retryDelay: Duration?
    }

    private let options: UploadOptions
    /// The newest not-yet-sent entry per blob.
    private var queued: [String: Entry] = [:]
    /// Tickets not finished yet (queued or uploading).
    private var outstanding: Set<UInt64> = []
    private var nextTicket: UInt64 = 0
    private var nextWaiterID: WaiterID = 0
    private var roomWaiters: [(id: WaiterID, item: Item)] = []
    /// Flushes waiting, each for the tickets up to its barrier.
    private var flushWaiters: [(id: WaiterID, barrier: UInt64)] = []
    private var failures: [AzFuseError] = []
    private var uploaded: [String] = []
    /// The attempt of the batch being sent.
    private var attempt = 1
    /// The bytes queued or uploading.
    private(set) var pendingBytes: Int64 = 0
    /// Whether a drain is running.
    private(set) var isDraining = false
    /// Batches started so far.
    private(set) var batchesStarted = 0

    /// A machine with nothing queued.
    init(options: UploadOptions) {
        self.options = options
    }

    /// Queues a journaled file, or says to wait for room.
    ///
    /// - Parameters:
    ///   - item: The file.
    ///   - appliesBound: `false` queues it at once whatever the bytes waiting (its writer is cancelled).
    mutating func submit(_ item: Item, appliesBound: Bool = true) -> Submission {
        if appliesBound && (!roomWaiters.isEmpty || !hasRoom(for: item.size)) {
            nextWaiterID += 1
            roomWaiters.append((nextWaiterID, item))
            return .wait(nextWaiterID)
        }
        let superseded = enqueue(item)
        return .queued(superseded: superseded, actions: wakeUps())
    }

    /// The writer waiting under `id` is cancelled: its file is queued at once (nothing to do if it already was).
    mutating func cancelWaiting(_ id: WaiterID) -> Actions {
        guard let index = roomWaiters.firstIndex(where: { $0.id == id }) else { return Actions() }
        let waiter = roomWaiters.remove(at: index)
        var actions = Actions()
        actions.resumeWriters.append((id, enqueue(waiter.item)))
        actions.append(wakeUps())
        return actions
    }

    /// Asks to wait for every file queued so far.
    mutating func flush() -> FlushRequest {
        guard !outstanding.isEmpty else { return .done(takeFailures()) }
        nextWaiterID += 1
        flushWaiters.append((nextWaiterID, nextTicket))
        return .wait(nextWaiterID)
    }

    /// Records an error to report at the next flush (for example an earlier run's upload whose content is gone).
    mutating func report(_ error: AzFuseError) {
        failures.append(error)
    }

    /// The logical paths uploaded since the last call.
    mutating func takeUploaded() -> [String] {
        defer { uploaded = [] }
        return uploaded
    }

    /// The next batch to send: everything queued, oldest first. `nil` when nothing is queued, which ends the drain.
    mutating func nextBatch() -> [Entry]? {
        guard !queued.isEmpty else {
            isDraining = false
            return nil
        }
        let batch = queued.values.sorted { $0.ticket < $1.ticket }
        queued = [:]
        batchesStarted += 1
        attempt = 1
        return batch
    }

    /// Weighs the outcomes of one attempt at sending files of the current batch.
    mutating func attemptFinished(_ outcomes: [(entry: Entry, outcome: UploadAttemptOutcome)]) -> AttemptPlan {
        var plan = AttemptPlan()
        for (entry, outcome) in outcomes {
            switch outcome {
            case .uploaded:
                plan.settle.append((entry, .complete))
            case .superseded:
                plan.settle.append((entry, .drop))
            case .leaseHeld:
                plan.retry.append(entry)
            case .failed(let error, let transient):
                if let newer = queued[entry.item.blobKey], newer.item.isNewer(than: entry.item) {
                    plan.settle.append((entry, .drop))
                } else if attempt < options.maxAttempts && transient {
                    plan.retry.append(entry)
                } else {
                    plan.settle.append((entry, .keep(error)))
                }
            }
        }
        if !plan.retry.isEmpty {
            // Past the last attempt only lease waits remain: poll each second.
            plan.retryDelay = attempt < options.maxAttempts ? options.retryDelay * attempt : .seconds(1)
            attempt += 1
        }
        return plan
    }

    /// A file of the batch is settled: frees its bytes, records the outcome, and wakes who can go on.
    mutating func settled(_ entry: Entry, _ result: Settled) -> Actions {
        guard outstanding.remove(entry.ticket) != nil else { return Actions() }
        pendingBytes -= entry.item.size
        switch result {
        case .uploaded: uploaded.append(entry.item.logicalPath)
        case .dropped: break
        case .failed(let error): failures.append(error)
        }
        return wakeUps()
    }

    private func hasRoom(for size: Int64) -> Bool {
        pendingBytes == 0 || pendingBytes + size <= options.maxPendingBytes
    }

    /// Queues `item` unless the queue holds the same or newer content of its blob; returns the uploads to drop.
    private mutating func enqueue(_ item: Item) -> [Item] {
        let previous = queued[item.blobKey]
        if let previous {
            if previous.item.recordPath == item.recordPath { return [] }
            if previous.item.isNewer(than: item) { return [item] }
        }
        nextTicket += 1
        queued[item.blobKey] = Entry(item: item, ticket: nextTicket)
        outstanding.insert(nextTicket)
        pendingBytes += item.size
        guard let previous else { return [] }
        outstanding.remove(previous.ticket)
        pendingBytes -= previous.item.size
        return [previous.item]
    }

    /// Queues the waiting writers that now fit, in order, ends the flushes whose files are all finished, and starts
    /// the drain when needed.
    private mutating func wakeUps() -> Actions {
        var actions = Actions()
        while let head = roomWaiters.first, hasRoom(for: head.item.size) {
            roomWaiters.removeFirst()
            actions.resumeWriters.append((head.id, enqueue(head.item)))
        }
        let oldest = outstanding.min() ?? .max
        var waiting: [(id: WaiterID, barrier: UInt64)] = []
        for waiter in flushWaiters {
            if waiter.barrier < oldest {
                actions.resumeFlushes.append((waiter.id, takeFailures()))
            } else {
                waiting.append(waiter)
            }
        }
        flushWaiters = waiting
        if !isDraining && !queued.isEmpty {
            isDraining = true
            actions.startDrain = true
        }
        return actions
    }

    private mutating func takeFailures() -> [AzFuseError] {
        defer { failures = [] }
        return failures
    }
}
