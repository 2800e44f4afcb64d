/// The write-behind queue of one instance's writes in one `withAsyncUpload` scope: a thin executor of
/// ``AsyncUploaderStateMachine``, which makes every decision.
///
/// Writers hand over journaled files with ``submit(_:)`` and move on (waiting, asynchronously, while the bytes
/// waiting for upload exceed ``UploadOptions/maxPendingBytes``). One drain task sends each batch through the
/// uploader's ``UploadPipeline`` (one scheduler request, batched per account and container), and settles each file
/// as the machine says: promoted, dropped, or kept as failed. Failures are collected for ``flush()``.
actor AsyncUploader {
    private typealias Machine = AsyncUploaderStateMachine<PendingUpload>

    private let pipeline: UploadPipeline
    /// How long after a batch started a held lease is still waited for (a resume fence and a lease period).
    private let leaseWait: Duration
    private var machine: Machine
    private var writers: [Machine.WaiterID: CheckedContinuation<[PendingUpload], Never>] = [:]
    private var flushes: [Machine.WaiterID: CheckedContinuation<[AzFuseError], Never>] = [:]

    /// Creates the queue of `pipeline`'s writes.
    ///
    /// - Parameters:
    ///   - pipeline: The instance's upload machinery, which journals, sends and settles the files.
    ///   - options: Back-pressure and retries (the scope's).
    init(pipeline: UploadPipeline, options: UploadOptions) {
        self.pipeline = pipeline
        self.leaseWait = options.resumeFence + .seconds(ResumeFence.leaseSeconds)
        self.machine = Machine(options: options)
    }

    /// Queues a journaled file for upload, first waiting while the bytes waiting for upload exceed the bound.
    ///
    /// If the task is cancelled while waiting, the file is queued at once anyway: it is already written and
    /// journaled, and dropping it would lose it.
    func submit(_ pending: PendingUpload) async {
        let superseded: [PendingUpload]
        switch machine.submit(pending, appliesBound: !Task.isCancelled) {
        case .queued(let dropped, let actions):
            perform(actions)
            superseded = dropped
        case .wait(let id):
            UploadTestHooks.reached(.waitingForRoom, path: pending.logicalPath)
            superseded = await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    writers[id] = continuation
                    if Task.isCancelled { perform(machine.cancelWaiting(id)) }
                }
            } onCancel: {
                Task { await self.cancelWaiting(id) }
            }
        }
        for older in superseded { await pipeline.superseded(older) }
    }

    /// Records an error to report (for example an earlier run's upload whose content is gone).
    func report(_ error: AzFuseError) {
        machine.report(error)
    }

    /// Waits for everything queued so far and returns what was uploaded and what failed (a resume's report).
    func finishReport() async -> ResumedUploads {
        let failed = await flush()
        return ResumedUploads(uploaded: machine.takeUploaded(), failed: failed)
    }

    /// Waits until every file queued so far is uploaded or has failed for good, and returns (and forgets) the
    /// failures so far. Not cancellable: queued uploads are never dropped.
    func flush() async -> [AzFuseError] {
        switch machine.flush() {
        case .done(let failures):
            return failures
        case .wait(let id):
            return await withCheckedContinuation { flushes[id] = $0 }
        }
    }

    private func cancelWaiting(_ id: Machine.WaiterID) {
        perform(machine.cancelWaiting(id))
    }

    private func perform(_ actions: Machine.Actions) {
        for writer in actions.resumeWriters {
            writers.removeValue(forKey: writer.id)?.resume(returning: writer.superseded)
        }
        for flush in actions.resumeFlushes {
            flushes.removeValue(forKey: flush.id)?.resume(returning: flush.failures)
        }
        if actions.startDrain {
            Task { await self.drain() }
        }
    }

    private func drain() async {
        while let batch = machine.nextBatch() {
            let started = ContinuousClock.now
            var sending = batch
            while !sending.isEmpty {
                let results = await pipeline.upload(sending.map(\.item))
                let leaseWaitOpen = ContinuousClock.now - started < leaseWait
                let plan = machine.attemptFinished(
                    zip(sending, results).map { ($0, UploadAttemptOutcome($1, leaseWaitOpen: leaseWaitOpen)) })
                for (entry, settlement) in plan.settle {
                    let settled = await settle(entry.item, settlement)
                    perform(machine.settled(entry, settled))
                }
                sending = plan.retry
                if let delay = plan.retryDelay {
                    try? await Task.sleep(for: delay)
                }
            }
        }
    }

    private func settle(_ pending: PendingUpload, _ settlement: Machine.Settlement) async -> Machine.Settled {
        switch settlement {
        case .complete:
            await pipeline.completed(pending)
            return .uploaded
        case .drop:
            await pipeline.superseded(pending)
            return .dropped
        case .keep(let error):
            return .failed(await pipeline.keepFailed(pending, error: error))
        }
    }
}
