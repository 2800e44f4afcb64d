/// The write-behind queue of one `withAsyncUpload` scope.
///
/// Writers hand over journaled files with ``submit(_:)`` and move on. One drain task sends everything queued as one
/// request to the transfer scheduler (which batches it per account and container and picks the engine), and while
/// that runs, newly queued files wait to go out together next. Per blob, only the newest content is sent: a file
/// written again before its upload started replaces the queued one, and a file written again during its upload is
/// sent again afterwards. Transient failures are retried; failures that remain are collected for ``finish()``.
///
/// Back-pressure: the bytes queued or uploading are bounded by ``UploadOptions/maxPendingBytes``; ``submit(_:)``
/// waits (asynchronously) while the bound is exceeded.
actor AsyncUploader {
    private struct Queued {
        let pending: PendingUpload
        let ticket: UInt64
    }

    private let options: UploadOptions
    /// The newest not-yet-sent upload per blob.
    private var queued: [String: Queued] = [:]
    /// Tickets not finished yet (queued or uploading).
    private var outstanding: Set<UInt64> = []
    private var nextTicket: UInt64 = 0
    private var nextWaiterID: UInt64 = 0
    private var waitingBytes: Int64 = 0
    private var failures: [AzFuseError] = []
    /// Logical paths uploaded so far (for resume reports).
    private var uploaded: [String] = []
    private var drain: Task<Void, Never>?
    private var roomWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var flushWaiters: [(ticket: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
    /// Upload batches sent so far (each may be split per account and container by the scheduler).
    private(set) var batchesSent = 0

    init(options: UploadOptions) {
        self.options = options
    }

    /// Queues a journaled file for upload, first waiting while the bytes waiting for upload exceed the bound.
    ///
    /// If the task is cancelled while waiting, the file is queued at once anyway: it is already written and
    /// journaled, and dropping it would lose it.
    func submit(_ pending: PendingUpload) async {
        await waitForRoom(pending.record.size)
        nextTicket += 1
        let entry = Queued(pending: pending, ticket: nextTicket)
        outstanding.insert(entry.ticket)
        let key = pending.blobKey
        if let previous = queued[key] {
            if previous.pending.recordPath == pending.recordPath {
                finish(entry, size: 0)
                return
            }
            if previous.pending.isNewer(than: pending) {
                finish(entry, size: 0)
                await pending.pipeline.superseded(pending)
                return
            }
            queued[key] = entry
            waitingBytes += pending.record.size
            finish(previous, size: previous.pending.record.size)
            await previous.pending.pipeline.superseded(previous.pending)
        } else {
            queued[key] = entry
            waitingBytes += pending.record.size
        }
        if drain == nil {
            drain = Task { await self.drainQueue() }
        }
    }

    /// Records an error to report (for example an earlier run's upload whose content is gone).
    func report(_ error: AzFuseError) {
        failures.append(error)
    }

    /// Waits for everything queued so far and returns what was uploaded and what failed (a resume's report).
    func finishReport() async -> ResumedUploads {
        let failed = await flush()
        defer { uploaded = [] }
        return ResumedUploads(uploaded: uploaded, failed: failed)
    }

    /// Waits until every file queued so far is uploaded or has failed for good, and returns (and forgets) the
    /// failures so far. Not cancellable: queued uploads are never dropped.
    func flush() async -> [AzFuseError] {
        let ticket = nextTicket
        if let oldest = outstanding.min(), oldest <= ticket {
            await withCheckedContinuation { continuation in
                flushWaiters.append((ticket, continuation))
            }
        }
        defer { failures = [] }
        return failures
    }

    private func waitForRoom(_ size: Int64) async {
        while waitingBytes > 0 && waitingBytes + size > options.maxPendingBytes && !Task.isCancelled {
            nextWaiterID += 1
            let id = nextWaiterID
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    if Task.isCancelled {
                        continuation.resume()
                    } else {
                        roomWaiters[id] = continuation
                    }
                }
            } onCancel: {
                Task { await self.wakeRoomWaiter(id) }
            }
        }
    }

    private func wakeRoomWaiter(_ id: UInt64) {
        roomWaiters.removeValue(forKey: id)?.resume()
    }

    private func drainQueue() async {
        while !queued.isEmpty {
            let batch = queued.values.sorted { $0.ticket < $1.ticket }
            queued = [:]
            batchesSent += 1
            var remaining = batch
            var attempt = 1
            let started = ContinuousClock.now
            while !remaining.isEmpty {
                let outcomes = await Self.upload(remaining.map(\.pending))
                var retry: [Queued] = []
                for (entry, outcome) in zip(remaining, outcomes) {
                    switch outcome {
                    case .success:
                        await entry.pending.pipeline.completed(entry.pending)
                        uploaded.append(entry.pending.record.logicalPath)
                        finish(entry, size: entry.pending.record.size)
                    case .failure(let error):
                        if error is UploadPipeline.Superseded {
                            await entry.pending.pipeline.superseded(entry.pending)
                            finish(entry, size: entry.pending.record.size)
                        } else if ResumeFence.isLeaseHeld(error)
                            && ContinuousClock.now - started < options.resumeFence + .seconds(ResumeFence.leaseSeconds)
                        {
                            // A resumer's fence (or a user's lease) holds the blob for a bounded time: wait it out.
                            retry.append(entry)
                        } else if let newer = queued[entry.pending.blobKey], newer.pending.isNewer(than: entry.pending)
                        {
                            await entry.pending.pipeline.superseded(entry.pending)
                            finish(entry, size: entry.pending.record.size)
                        } else if attempt < options.maxAttempts && Self.isTransient(error) {
                            retry.append(entry)
                        } else {
                            failures.append(await entry.pending.pipeline.keepFailed(entry.pending, error: error))
                            finish(entry, size: entry.pending.record.size)
                        }
                    }
                }
                remaining = retry
                if !remaining.isEmpty {
                    // Past the last attempt only lease waits remain: poll each second.
                    try? await Task.sleep(
                        for: attempt < options.maxAttempts ? options.retryDelay * attempt : .seconds(1))
                    attempt += 1
                }
            }
        }
        drain = nil
    }

    /// Uploads files, with one scheduler request per ``AzFuseClient`` instance (normally just one), concurrently.
    private static func upload(_ pendings: [PendingUpload]) async -> [Result<Void, any Error>] {
        var groups: [ObjectIdentifier: [Int]] = [:]
        for (index, pending) in pendings.enumerated() {
            groups[ObjectIdentifier(pending.pipeline), default: []].append(index)
        }
        var outcomes = [Result<Void, any Error>](repeating: .success(()), count: pendings.count)
        await withTaskGroup(of: ([Int], [Result<Void, any Error>]).self) { group in
            for indices in groups.values {
                let members = indices.map { pendings[$0] }
                group.addTask { (indices, await members[0].pipeline.upload(members)) }
            }
            for await (indices, results) in group {
                for (index, result) in zip(indices, results) { outcomes[index] = result }
            }
        }
        return outcomes
    }

    /// Whether a failure may go away on its own: the network, throttling, a server error, a failed transfer tool.
    private static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? AzFuseError else { return !(error is CancellationError) }
        return [.transport, .throttled, .serviceError, .transferFailed].contains(error.code)
    }

    /// Marks an entry finished: frees its bytes and wakes waiters.
    private func finish(_ entry: Queued, size: Int64) {
        outstanding.remove(entry.ticket)
        waitingBytes -= size
        for continuation in roomWaiters.values { continuation.resume() }
        roomWaiters = [:]
        let oldest = outstanding.min() ?? .max
        var still: [(ticket: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        for waiter in flushWaiters {
            if waiter.ticket < oldest { waiter.continuation.resume() } else { still.append(waiter) }
        }
        flushWaiters = still
    }
}
