import Foundation
import Testing

@testable import AzFuse

/// The scheduler's rules, step by step: no engine, no task, no clock. Waiters are labels.
@Suite struct TransferSchedulerStateMachineTests {
    typealias Machine = TransferSchedulerStateMachine<String>

    static func download(_ name: String, container: String = "box", cacheRoot: String? = nil) -> TransferWork {
        .download(target(name, container: container, cacheRoot: cacheRoot))
    }

    static func upload(_ name: String, from source: String, container: String = "box") -> TransferWork {
        .upload(UploadItem(source: source, target: target(name, container: container)))
    }

    static func target(_ name: String, container: String = "box", cacheRoot: String? = nil) -> BlobTarget {
        var account = TransferSchedulerTests.account
        account.containerName = container
        let root = cacheRoot ?? "/c/\(container)"
        return BlobTarget(
            storageAccountName: "main", account: account, blobName: name, cachePath: "\(root)/\(name)",
            cacheRoot: root, relativePath: name)
    }

    /// Enqueues one request per (work, waiter) pair in a single call, as the scheduler's batch methods do.
    static func enqueue(
        _ machine: inout Machine, _ pairs: [(TransferWork, String)]
    ) -> (ids: [Machine.RequestID], starts: [Machine.BatchStart]) {
        let requests = pairs.map { Machine.Request(id: machine.makeRequestID(), work: $0.0, waiter: $0.1) }
        return (requests.map(\.id), machine.enqueue(requests))
    }

    /// Enqueues one request.
    static func enqueue(
        _ machine: inout Machine, _ work: TransferWork, _ waiter: String
    ) -> (id: Machine.RequestID, starts: [Machine.BatchStart]) {
        let result = enqueue(&machine, [(work, waiter)])
        return (result.ids[0], result.starts)
    }

    /// A readable outcome: "ok", "cancelled" or the error code.
    static func describe(_ outcome: Machine.Outcome) -> String {
        switch outcome {
        case .success: "ok"
        case .failure(let error as AzFuseError): "\(error.code)"
        case .failure(is CancellationError): "cancelled"
        case .failure(let error): "\(error)"
        }
    }

    static func describe(_ resumptions: [Machine.Resumption]) -> [String] {
        resumptions.map { "\($0.waiter)=\(describe($0.outcome))" }
    }

    static func keys(_ start: Machine.BatchStart) -> [String] {
        start.works.map(\.key)
    }

    static let ok: Machine.Outcome = .success(())
    static let missing: Machine.Outcome = .failure(AzFuseError(.notFound, "no such blob"))

    @Test func aLoneRequestStartsABatchAtOnce() throws {
        var machine = Machine()
        let (_, starts) = Self.enqueue(&machine, Self.download("a"), "w")
        let start = try #require(starts.first)
        #expect(starts.count == 1)
        #expect(Self.keys(start) == ["/c/box/a"])
        #expect(machine.queuedCount == 0)
        #expect(machine.runningBatchCount == 1)
        let finished = machine.batchFinished(start.batch, outcomes: [Self.ok])
        #expect(Self.describe(finished.resume) == ["w=ok"])
        #expect(finished.start.isEmpty)
        #expect(machine.isIdle)
    }

    /// Requests arriving one by one while a batch runs form exactly one next batch; requests arriving while that
    /// one runs form the one after.
    @Test func requestsArrivingDuringABatchFormExactlyOneNextBatch() throws {
        var machine = Machine()
        let first = try #require(Self.enqueue(&machine, Self.download("first"), "w0").starts.first)
        for index in 1...5 {
            #expect(Self.enqueue(&machine, Self.download("f\(index)"), "w\(index)").starts.isEmpty)
        }
        #expect(machine.queuedCount == 5)
        #expect(machine.runningBatchCount == 1)

        let afterFirst = machine.batchFinished(first.batch, outcomes: [Self.ok])
        #expect(Self.describe(afterFirst.resume) == ["w0=ok"])
        let second = try #require(afterFirst.start.first)
        #expect(afterFirst.start.count == 1)
        #expect(Self.keys(second) == (1...5).map { "/c/box/f\($0)" })
        #expect(machine.queuedCount == 0)

        #expect(Self.enqueue(&machine, Self.download("late"), "late").starts.isEmpty)
        let afterSecond = machine.batchFinished(second.batch, outcomes: Array(repeating: Self.ok, count: 5))
        #expect(Self.describe(afterSecond.resume) == (1...5).map { "w\($0)=ok" })
        let third = try #require(afterSecond.start.first)
        #expect(Self.keys(third) == ["/c/box/late"])
        #expect(Self.describe(machine.batchFinished(third.batch, outcomes: [Self.ok]).resume) == ["late=ok"])
        #expect(machine.isIdle)
    }

    /// Identical downloads in one batch go out once (the first request's work) and every requester gets the outcome.
    @Test func identicalDownloadsCoalesceAndEveryRequesterGetsTheOutcome() throws {
        var machine = Machine()
        let running = try #require(Self.enqueue(&machine, Self.download("r"), "r").starts.first)
        var firstX = Self.target("x")
        firstX = BlobTarget(
            storageAccountName: "first", account: firstX.account, blobName: "x", cachePath: firstX.cachePath,
            cacheRoot: firstX.cacheRoot, relativePath: "x")
        _ = Self.enqueue(&machine, .download(firstX), "x1")
        _ = Self.enqueue(&machine, Self.download("y"), "y1")
        _ = Self.enqueue(&machine, Self.download("x"), "x2")
        _ = Self.enqueue(&machine, Self.download("x"), "x3")
        let next = try #require(machine.batchFinished(running.batch, outcomes: [Self.ok]).start.first)
        #expect(Self.keys(next) == ["/c/box/x", "/c/box/y"])
        guard case .download(let sent) = next.works[0] else {
            Issue.record("not a download")
            return
        }
        #expect(sent.storageAccountName == "first", "the first request's work is sent")
        let finished = machine.batchFinished(next.batch, outcomes: [Self.ok, Self.missing])
        #expect(Self.describe(finished.resume) == ["x1=ok", "y1=notFound", "x2=ok", "x3=ok"])
    }

    /// Identical uploads in one batch go out once, with the latest request's file, at the first request's place.
    @Test func identicalUploadsCoalesceAndTheLatestFileIsSent() throws {
        var machine = Machine()
        let running = try #require(Self.enqueue(&machine, Self.upload("r", from: "/s/r"), "r").starts.first)
        _ = Self.enqueue(&machine, Self.upload("b", from: "/s/old"), "b1")
        _ = Self.enqueue(&machine, Self.upload("c", from: "/s/c"), "c1")
        _ = Self.enqueue(&machine, Self.upload("b", from: "/s/newest"), "b2")
        let next = try #require(machine.batchFinished(running.batch, outcomes: [Self.ok]).start.first)
        let sources = next.works.compactMap { work -> String? in
            guard case .upload(let item) = work else { return nil }
            return "\(item.target.blobName)<\(item.source)"
        }
        #expect(sources == ["b</s/newest", "c</s/c"])
        let finished = machine.batchFinished(next.batch, outcomes: [Self.missing, Self.ok])
        #expect(Self.describe(finished.resume) == ["b1=notFound", "c1=ok", "b2=notFound"])
    }

    /// Every requester of a key in one enqueue receives that key's outcome.
    @Test func aBatchsOutcomesGoToEveryWaiterOfEachKey() throws {
        var machine = Machine()
        let pairs: [(TransferWork, String)] = [
            (Self.download("a"), "a1"), (Self.download("b"), "b1"), (Self.download("a"), "a2"),
            (Self.download("c"), "c1"), (Self.download("b"), "b2"), (Self.download("a"), "a3"),
        ]
        let start = try #require(Self.enqueue(&machine, pairs).starts.first)
        #expect(Self.keys(start) == ["/c/box/a", "/c/box/b", "/c/box/c"])
        let finished = machine.batchFinished(start.batch, outcomes: [Self.ok, Self.missing, Self.ok])
        #expect(
            Self.describe(finished.resume) == ["a1=ok", "b1=notFound", "a2=ok", "c1=ok", "b2=notFound", "a3=ok"])
    }

    @Test func aWorkWithoutAnOutcomeFailsAsATransferFailure() throws {
        var machine = Machine()
        let start = try #require(
            Self.enqueue(&machine, [(Self.download("a"), "a"), (Self.download("b"), "b")]).starts.first)
        let finished = machine.batchFinished(start.batch, outcomes: [Self.ok])
        #expect(Self.describe(finished.resume) == ["a=ok", "b=transferFailed"])
        #expect(machine.isIdle)
    }

    /// Lanes are per endpoint, container and cache folder for downloads, per endpoint and container for uploads,
    /// and a lane's batches neither wait for nor start another lane's.
    @Test func separateLanesAreIndependent() throws {
        var machine = Machine()
        let box = try #require(Self.enqueue(&machine, Self.download("a"), "box").starts.first)
        let other = try #require(Self.enqueue(&machine, Self.download("a", container: "other"), "other").starts.first)
        let elsewhere = try #require(
            Self.enqueue(&machine, Self.download("a", cacheRoot: "/elsewhere"), "elsewhere").starts.first)
        let upload = try #require(Self.enqueue(&machine, Self.upload("a", from: "/s/a"), "up").starts.first)
        #expect(Set([box.lane, other.lane, elsewhere.lane, upload.lane]).count == 4)
        #expect(machine.runningBatchCount == 4)

        #expect(Self.enqueue(&machine, Self.download("b"), "box-b").starts.isEmpty)
        let afterOther = machine.batchFinished(other.batch, outcomes: [Self.ok])
        #expect(Self.describe(afterOther.resume) == ["other=ok"])
        #expect(afterOther.start.isEmpty, "the queued request waits for its own lane's batch")

        let afterBox = machine.batchFinished(box.batch, outcomes: [Self.ok])
        #expect(afterBox.start.map(Self.keys) == [["/c/box/b"]])
        #expect(Self.describe(machine.batchFinished(upload.batch, outcomes: [Self.missing]).resume) == ["up=notFound"])
    }

    /// One enqueue spanning lanes starts one batch per idle lane, in the order the lanes first appear.
    @Test func oneEnqueueSpanningLanesStartsOneBatchPerLane() throws {
        var machine = Machine()
        let busy = try #require(Self.enqueue(&machine, Self.download("z", container: "busy"), "z").starts.first)
        let starts = Self.enqueue(
            &machine,
            [
                (Self.download("a", container: "two"), "a"), (Self.download("b"), "b"),
                (Self.download("c", container: "busy"), "c"), (Self.download("d", container: "two"), "d"),
                (Self.upload("e", from: "/s/e"), "e"),
            ]
        ).starts
        #expect(starts.map(Self.keys) == [["/c/two/a", "/c/two/d"], ["/c/box/b"], ["e"]])
        #expect(starts.map(\.lane.isUpload) == [false, false, true])
        #expect(machine.queuedCount == 1, "c waits for the busy lane")
        #expect(machine.batchFinished(busy.batch, outcomes: [Self.ok]).start.map(Self.keys) == [["/c/busy/c"]])
    }

    /// A download and an upload of the same blob wait in different lanes.
    @Test func uploadAndDownloadLanesAreSeparate() throws {
        var machine = Machine()
        let download = try #require(Self.enqueue(&machine, Self.download("a"), "down").starts.first)
        let upload = try #require(Self.enqueue(&machine, Self.upload("a", from: "/s/a"), "up").starts.first)
        #expect(!download.lane.isUpload)
        #expect(upload.lane.isUpload)
        #expect(upload.lane.cacheRoot.isEmpty, "uploads are not split by cache folder")
        #expect(Self.describe(machine.batchFinished(upload.batch, outcomes: [Self.ok]).resume) == ["up=ok"])
        #expect(Self.describe(machine.batchFinished(download.batch, outcomes: [Self.ok]).resume) == ["down=ok"])
    }

    /// An abandoned queued request is answered with a cancellation at once, never goes out, and gets nothing more.
    @Test func anAbandonedQueuedRequestIsDroppedAndReceivesNoOutcome() throws {
        var machine = Machine()
        let running = try #require(Self.enqueue(&machine, Self.download("a"), "a").starts.first)
        let leaving = Self.enqueue(&machine, Self.download("b"), "b").id
        _ = Self.enqueue(&machine, Self.download("c"), "c")
        let abandoned = machine.abandon([leaving])
        #expect(Self.describe(abandoned.resume) == ["b=cancelled"])
        #expect(abandoned.cancel.isEmpty, "the running batch has its own waiter")
        #expect(machine.queuedCount == 1)
        let finished = machine.batchFinished(running.batch, outcomes: [Self.ok])
        #expect(Self.describe(finished.resume) == ["a=ok"])
        let next = try #require(finished.start.first)
        #expect(Self.keys(next) == ["/c/box/c"], "b never goes out")
        #expect(Self.describe(machine.batchFinished(next.batch, outcomes: [Self.ok]).resume) == ["c=ok"])
        #expect(machine.abandon([leaving]).resume.isEmpty, "an answered request is not answered twice")
    }

    /// A requester leaving a running batch gets a cancellation; the batch goes on for the others, who alone receive
    /// its outcomes.
    @Test func anAbandonedRunningRequestLeavesAndTheBatchGoesOn() throws {
        var machine = Machine()
        let (ids, starts) = Self.enqueue(&machine, [(Self.download("a"), "stays"), (Self.download("a"), "leaves")])
        let start = try #require(starts.first)
        let abandoned = machine.abandon([ids[1]])
        #expect(Self.describe(abandoned.resume) == ["leaves=cancelled"])
        #expect(abandoned.cancel.isEmpty)
        #expect(Self.describe(machine.batchFinished(start.batch, outcomes: [Self.ok]).resume) == ["stays=ok"])
        #expect(machine.isIdle)
    }

    /// A running batch is cancelled once, when its last waiter leaves; its late outcomes reach nobody, and what
    /// queued meanwhile goes out next.
    @Test func aBatchIsCancelledWhenItsLastWaiterLeaves() throws {
        var machine = Machine()
        let (ids, starts) = Self.enqueue(&machine, [(Self.download("a"), "a1"), (Self.download("b"), "b1")])
        let start = try #require(starts.first)
        _ = Self.enqueue(&machine, Self.download("c"), "c")
        let firstLeaves = machine.abandon([ids[0]])
        #expect(firstLeaves.cancel.isEmpty)
        let lastLeaves = machine.abandon([ids[1]])
        #expect(lastLeaves.cancel == [start.batch])
        #expect(Self.describe(lastLeaves.resume) == ["b1=cancelled"])
        #expect(machine.abandon(ids).cancel.isEmpty, "cancelled once")
        let cancelled: Machine.Outcome = .failure(CancellationError())
        let finished = machine.batchFinished(start.batch, outcomes: [cancelled, cancelled])
        #expect(finished.resume.isEmpty)
        #expect(finished.start.map(Self.keys) == [["/c/box/c"]])
    }

    /// Abandoning ids across lanes answers each once; unknown ids are ignored.
    @Test func abandonSpansLanesAndIgnoresUnknownIDs() throws {
        var machine = Machine()
        let (ids, starts) = Self.enqueue(
            &machine, [(Self.download("a"), "a"), (Self.download("b", container: "other"), "b")])
        #expect(starts.count == 2)
        let abandoned = machine.abandon(ids + [Machine.RequestID(rawValue: 999)])
        #expect(Set(Self.describe(abandoned.resume)) == ["a=cancelled", "b=cancelled"])
        #expect(Set(abandoned.cancel) == Set(starts.map(\.batch)))
        for start in starts { #expect(machine.batchFinished(start.batch, outcomes: [Self.ok]).resume.isEmpty) }
        #expect(machine.isIdle)
    }

    @Test func aFinishedOrUnknownBatchIsIgnored() throws {
        var machine = Machine()
        let start = try #require(Self.enqueue(&machine, Self.download("a"), "a").starts.first)
        #expect(machine.batchFinished(start.batch, outcomes: [Self.ok]).resume.count == 1)
        let again = machine.batchFinished(start.batch, outcomes: [Self.ok])
        #expect(again.resume.isEmpty && again.start.isEmpty)
        #expect(machine.batchFinished(Machine.BatchID(rawValue: 42), outcomes: []).resume.isEmpty)
        #expect(machine.isIdle)
    }
}
