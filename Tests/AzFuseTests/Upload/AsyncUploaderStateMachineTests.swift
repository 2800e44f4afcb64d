import Foundation
import Testing

@testable import AzFuse

/// The decisions of the write-behind queue, driven step by step: no emulator, no clock, no sleeps.
@Suite struct AsyncUploaderStateMachineTests {
    /// A queued upload: version `version` of blob `blob`, `size` bytes.
    struct Upload: UploadQueueItem, Equatable {
        var blob: String
        var version: Int
        var size: Int64 = 10

        var blobKey: String { blob }
        var recordPath: String { "\(blob)-\(version).json" }
        var logicalPath: String { "\(blob)@\(version)" }

        func isNewer(than other: Upload) -> Bool { version > other.version }
    }

    typealias Machine = AsyncUploaderStateMachine<Upload>

    static func options(maxPendingBytes: Int64 = 1 << 30, maxAttempts: Int = 3) -> UploadOptions {
        UploadOptions(maxPendingBytes: maxPendingBytes, maxAttempts: maxAttempts, retryDelay: .milliseconds(10))
    }

    /// Submits `item`, expecting it to be queued at once: the uploads to drop and the actions.
    static func queue(
        _ item: Upload, in machine: inout Machine, appliesBound: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> (superseded: [Upload], actions: Machine.Actions) {
        guard case .queued(let superseded, let actions) = machine.submit(item, appliesBound: appliesBound) else {
            Issue.record("expected \(item) to be queued, not to wait", sourceLocation: sourceLocation)
            return ([], Machine.Actions())
        }
        return (superseded, actions)
    }

    /// Submits `item`, expecting its writer to wait: the waiter ID.
    static func wait(
        _ item: Upload, in machine: inout Machine, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Machine.WaiterID {
        guard case .wait(let id) = machine.submit(item) else {
            Issue.record("expected the writer of \(item) to wait", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return id
    }

    /// The next batch, expecting one.
    static func batch(
        _ machine: inout Machine, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [Machine.Entry] {
        let batch = machine.nextBatch()
        return try #require(batch, "expected a batch", sourceLocation: sourceLocation)
    }

    /// Asks for a flush, expecting it to wait: the waiter ID.
    static func flushWaits(
        _ machine: inout Machine, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Machine.WaiterID {
        guard case .wait(let id) = machine.flush() else {
            Issue.record("expected the flush to wait", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return id
    }

    /// Asks for a flush, expecting it to be over at once: its failures.
    static func flushIsOver(
        _ machine: inout Machine, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [AzFuseError] {
        guard case .done(let failures) = machine.flush() else {
            Issue.record("expected the flush to be over at once", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return failures
    }

    /// Every file of `batch` uploaded, each settled; returns the actions of the settlements, merged.
    static func uploadAll(_ batch: [Machine.Entry], in machine: inout Machine) -> Machine.Actions {
        let plan = machine.attemptFinished(batch.map { ($0, .uploaded) })
        #expect(plan.retry.isEmpty && plan.retryDelay == nil)
        var actions = Machine.Actions()
        for (entry, settlement) in plan.settle {
            guard case .complete = settlement else {
                Issue.record("an uploaded file must be completed")
                continue
            }
            actions.append(machine.settled(entry, .uploaded))
        }
        return actions
    }

    static let denied = AzFuseError(.permissionDenied, "no write permission")
    static let unavailable = AzFuseError(.serviceError, "503", httpStatus: 503)
    static let leased = AzFuseError(.conflict, "leased", httpStatus: 412, azureErrorCode: "LeaseIdMissing")

    @Test func theLatestWriteOfABlobWinsInTheQueue() throws {
        var machine = Machine(options: Self.options())
        let first = Self.queue(Upload(blob: "a", version: 1), in: &machine)
        #expect(first.superseded.isEmpty && first.actions.startDrain, "the first file starts the drain")
        let other = Self.queue(Upload(blob: "b", version: 1), in: &machine)
        #expect(!other.actions.startDrain)
        let newer = Self.queue(Upload(blob: "a", version: 2), in: &machine)
        #expect(newer.superseded == [Upload(blob: "a", version: 1)])
        let older = Self.queue(Upload(blob: "a", version: 0), in: &machine)
        #expect(older.superseded == [Upload(blob: "a", version: 0)], "older content is dropped, not queued")
        let again = Self.queue(Upload(blob: "a", version: 2), in: &machine)
        #expect(again.superseded.isEmpty, "the same record again is queued once")
        #expect(machine.pendingBytes == 20)
        let batch = try Self.batch(&machine)
        #expect(
            batch.map(\.item) == [Upload(blob: "b", version: 1), Upload(blob: "a", version: 2)], "submission order")
        #expect(machine.batchesStarted == 1)
    }

    @Test func anEntryBeingUploadedIsNotReplacedAndTheNewerOneGoesNext() throws {
        var machine = Machine(options: Self.options())
        _ = Self.queue(Upload(blob: "a", version: 1), in: &machine)
        let first = try Self.batch(&machine)
        let during = Self.queue(Upload(blob: "a", version: 2), in: &machine)
        #expect(during.superseded.isEmpty, "the file being uploaded is not dropped")
        #expect(!during.actions.startDrain, "the running drain sends it next")
        _ = Self.uploadAll(first, in: &machine)
        let second = try Self.batch(&machine)
        #expect(second.map(\.item) == [Upload(blob: "a", version: 2)])
        _ = Self.uploadAll(second, in: &machine)
        let none = machine.nextBatch()
        #expect(none == nil)
        #expect(!machine.isDraining)
        let uploaded = machine.takeUploaded()
        #expect(uploaded == ["a@1", "a@2"])
        let uploadedAgain = machine.takeUploaded()
        #expect(uploadedAgain.isEmpty)
        #expect(machine.pendingBytes == 0)
    }

    @Test func aFailedUploadWhoseNewerContentIsQueuedIsDroppedNotRetried() throws {
        var machine = Machine(options: Self.options())
        _ = Self.queue(Upload(blob: "a", version: 1), in: &machine)
        let batch = try Self.batch(&machine)
        _ = Self.queue(Upload(blob: "a", version: 2), in: &machine)
        let plan = machine.attemptFinished([(batch[0], .failed(Self.unavailable, transient: true))])
        #expect(plan.retry.isEmpty)
        guard case .drop? = plan.settle.first?.settlement else {
            Issue.record("expected the older content to be dropped: \(plan.settle)")
            return
        }
        let dropped = machine.settled(batch[0], .dropped)
        #expect(dropped.resumeFlushes.isEmpty && dropped.resumeWriters.isEmpty)
        #expect(machine.pendingBytes == 10, "only the newer file waits")
    }

    @Test func backPressureQueuesWaitingWritersInOrderAsBytesComplete() throws {
        var machine = Machine(options: Self.options(maxPendingBytes: 100))
        _ = Self.queue(Upload(blob: "x", version: 1, size: 60), in: &machine)
        let y = try Self.wait(Upload(blob: "y", version: 1, size: 60), in: &machine)
        // z would fit, but waits behind the earlier writer.
        let z = try Self.wait(Upload(blob: "z", version: 1, size: 30), in: &machine)
        let w = try Self.wait(Upload(blob: "w", version: 1, size: 50), in: &machine)
        #expect(machine.pendingBytes == 60)

        let first = try Self.batch(&machine)
        let woken = Self.uploadAll(first, in: &machine)
        #expect(woken.resumeWriters.map(\.id) == [y, z], "y and z fit (90 bytes), w does not")
        #expect(woken.resumeWriters.allSatisfy { $0.superseded.isEmpty })
        #expect(!woken.startDrain, "the drain is still running")
        #expect(machine.pendingBytes == 90)

        let second = try Self.batch(&machine)
        #expect(second.map(\.item.blob) == ["y", "z"])
        let plan = machine.attemptFinished([(second[0], .uploaded)])
        let afterY = machine.settled(plan.settle[0].entry, .uploaded)
        #expect(afterY.resumeWriters.map(\.id) == [w])
        #expect(machine.pendingBytes == 80)
    }

    @Test func aFileLargerThanTheBoundIsAcceptedWhenNothingWaits() throws {
        var machine = Machine(options: Self.options(maxPendingBytes: 10))
        _ = Self.queue(Upload(blob: "big", version: 1, size: 100), in: &machine)
        let small = try Self.wait(Upload(blob: "small", version: 1, size: 1), in: &machine)
        let batch = try Self.batch(&machine)
        let woken = Self.uploadAll(batch, in: &machine)
        #expect(woken.resumeWriters.map(\.id) == [small])
    }

    @Test func aCancelledWaitingWriterIsQueuedAtOnce() throws {
        var machine = Machine(options: Self.options(maxPendingBytes: 100))
        _ = Self.queue(Upload(blob: "a", version: 1, size: 80), in: &machine)
        let newer = try Self.wait(Upload(blob: "a", version: 2, size: 80), in: &machine)
        let small = try Self.wait(Upload(blob: "b", version: 1, size: 15), in: &machine)

        let cancelled = machine.cancelWaiting(newer)
        #expect(cancelled.resumeWriters.map(\.id) == [newer, small], "the dropped older content made room for b")
        #expect(cancelled.resumeWriters.first?.superseded == [Upload(blob: "a", version: 1, size: 80)])
        #expect(machine.pendingBytes == 95)
        let twice = machine.cancelWaiting(newer)
        #expect(twice.resumeWriters.isEmpty, "a writer already queued is not queued twice")

        let late = Self.queue(Upload(blob: "c", version: 1, size: 500), in: &machine, appliesBound: false)
        #expect(late.superseded.isEmpty)
        #expect(machine.pendingBytes == 595, "a cancelled writer's file is queued over the bound")
        let batch = try Self.batch(&machine)
        #expect(batch.map(\.item.blob) == ["a", "b", "c"])
    }

    @Test func flushWaitsForEveryFileQueuedBeforeIt() throws {
        var machine = Machine(options: Self.options())
        #expect(try Self.flushIsOver(&machine).isEmpty, "nothing queued: a flush is over at once")
        _ = Self.queue(Upload(blob: "a", version: 1), in: &machine)
        _ = Self.queue(Upload(blob: "b", version: 1), in: &machine)
        let flush = try Self.flushWaits(&machine)
        let batch = try Self.batch(&machine)
        _ = Self.queue(Upload(blob: "c", version: 1), in: &machine)

        let plan = machine.attemptFinished([
            (batch[0], .uploaded), (batch[1], .failed(Self.denied, transient: false)),
        ])
        let afterA = machine.settled(plan.settle[0].entry, .uploaded)
        #expect(afterA.resumeFlushes.isEmpty, "b is not done yet")
        guard case .keep = plan.settle[1].settlement else {
            Issue.record("a permanent failure is kept at once: \(plan.settle)")
            return
        }
        let done = machine.settled(plan.settle[1].entry, .failed(AzFuseError(.uploadFailed, "kept", path: "b")))
        #expect(done.resumeFlushes.map(\.id) == [flush], "c, queued after the flush, is not waited for")
        #expect(done.resumeFlushes.first?.failures.map(\.path) == ["b"])

        let second = try Self.flushWaits(&machine)
        let last = try Self.batch(&machine)
        let over = Self.uploadAll(last, in: &machine)
        #expect(over.resumeFlushes.map(\.id) == [second])
        #expect(over.resumeFlushes.first?.failures.isEmpty == true, "a failure is reported once")
    }

    @Test func replacingTheQueuedFileAFlushWaitsForEndsTheFlush() throws {
        var machine = Machine(options: Self.options())
        _ = Self.queue(Upload(blob: "a", version: 1), in: &machine)
        let flush = try Self.flushWaits(&machine)
        let replaced = Self.queue(Upload(blob: "a", version: 2), in: &machine)
        #expect(replaced.superseded == [Upload(blob: "a", version: 1)])
        #expect(replaced.actions.resumeFlushes.map(\.id) == [flush], "the content it waited for is superseded")
    }

    @Test func failuresAreReportedOnlyByTheirOwnMachine() throws {
        var scope = Machine(options: Self.options())
        var other = Machine(options: Self.options())
        _ = Self.queue(Upload(blob: "a", version: 1), in: &scope)
        let batch = try Self.batch(&scope)
        let plan = scope.attemptFinished([(batch[0], .failed(Self.denied, transient: false))])
        _ = scope.settled(plan.settle[0].entry, .failed(AzFuseError(.uploadFailed, "kept", path: "a")))
        other.report(AzFuseError(.uploadFailed, "content gone", path: "leftover"))

        #expect(try Self.flushIsOver(&scope).map(\.path) == ["a"])
        #expect(try Self.flushIsOver(&other).map(\.path) == ["leftover"])
        #expect(try Self.flushIsOver(&scope).isEmpty, "a flush forgets the failures it reported")
    }

    @Test func transientFailuresAreRetriedWithGrowingDelaysThenKept() throws {
        var machine = Machine(options: Self.options(maxAttempts: 3))
        _ = Self.queue(Upload(blob: "a", version: 1), in: &machine)
        _ = Self.queue(Upload(blob: "b", version: 1), in: &machine)
        let batch = try Self.batch(&machine)

        let first = machine.attemptFinished([
            (batch[0], .failed(Self.unavailable, transient: true)),
            (batch[1], .failed(Self.denied, transient: false)),
        ])
        #expect(first.retry.map(\.item.blob) == ["a"])
        #expect(first.settle.map(\.entry.item.blob) == ["b"], "a permanent failure is not retried")
        #expect(first.retryDelay == .milliseconds(10))
        let second = machine.attemptFinished([(batch[0], .failed(Self.unavailable, transient: true))])
        #expect(second.retry.count == 1)
        #expect(second.retryDelay == .milliseconds(20))
        let third = machine.attemptFinished([(batch[0], .failed(Self.unavailable, transient: true))])
        #expect(third.retry.isEmpty && third.retryDelay == nil)
        guard case .keep(let error)? = third.settle.first?.settlement else {
            Issue.record("the last attempt's failure is kept: \(third.settle)")
            return
        }
        #expect((error as? AzFuseError)?.httpStatus == 503)
    }

    @Test func aHeldLeaseIsWaitedForPastTheLastAttemptAndSupersededContentIsDropped() throws {
        var machine = Machine(options: Self.options(maxAttempts: 1))
        _ = Self.queue(Upload(blob: "a", version: 1), in: &machine)
        _ = Self.queue(Upload(blob: "b", version: 1), in: &machine)
        let batch = try Self.batch(&machine)
        let plan = machine.attemptFinished([(batch[0], .leaseHeld), (batch[1], .superseded)])
        #expect(plan.retry.map(\.item.blob) == ["a"])
        #expect(plan.retryDelay == .seconds(1), "past the last attempt a lease is polled each second")
        guard case .drop? = plan.settle.first?.settlement else {
            Issue.record("superseded content is dropped: \(plan.settle)")
            return
        }
    }

    @Test func theDrainStartsOnceAndEndsWhenNothingIsQueued() throws {
        var machine = Machine(options: Self.options())
        let first = Self.queue(Upload(blob: "a", version: 1), in: &machine)
        let second = Self.queue(Upload(blob: "b", version: 1), in: &machine)
        #expect(first.actions.startDrain && !second.actions.startDrain)
        #expect(machine.isDraining)
        #expect(try Self.batch(&machine).count == 2)
        let none = machine.nextBatch()
        #expect(none == nil)
        #expect(!machine.isDraining)
        let third = Self.queue(Upload(blob: "c", version: 1), in: &machine)
        #expect(third.actions.startDrain, "a new drain")
        #expect(machine.batchesStarted == 1)
    }

    @Test func attemptOutcomesAreClassified() {
        func isTransient(_ error: any Error) -> Bool? {
            guard case .failed(_, let transient) = UploadAttemptOutcome(.failure(error), leaseWaitOpen: true) else {
                return nil
            }
            return transient
        }
        guard case .uploaded = UploadAttemptOutcome(.success(()), leaseWaitOpen: true),
            case .superseded = UploadAttemptOutcome(.failure(UploadSender.Superseded()), leaseWaitOpen: true),
            case .leaseHeld = UploadAttemptOutcome(.failure(Self.leased), leaseWaitOpen: true),
            case .failed(_, transient: false) = UploadAttemptOutcome(.failure(Self.leased), leaseWaitOpen: false)
        else {
            Issue.record("success, supersession or a held lease misclassified")
            return
        }
        #expect(isTransient(AzFuseError(.throttled, "slow down")) == true)
        #expect(isTransient(AzFuseError(.transport, "reset")) == true)
        #expect(isTransient(Self.unavailable) == true)
        #expect(isTransient(AzFuseError(.transferFailed, "azcopy failed")) == true)
        #expect(isTransient(Self.denied) == false)
        #expect(isTransient(AzFuseError(.authenticationFailed, "expired")) == false)
        #expect(isTransient(CancellationError()) == false)
        #expect(isTransient(CocoaError(.fileReadUnknown)) == true, "an unknown error may go away")
    }
}
