import Foundation
import Testing

@testable import AzFuse

/// The scheduler end to end with a scripted engine instead of the emulator: the engine reports each batch it starts
/// (an event the test waits for), holds batches until the test releases them, and the scheduler reports each enqueue,
/// so nothing here waits for time to pass.
@Suite(.timeLimit(.minutes(1))) struct TransferSchedulerTests {
    /// An engine that records its batches, signals when one starts, can hold each batch until the test releases it,
    /// and fails blobs named "missing...".
    final class ScriptedEngine: TransferEngine {
        let kind: TransferOptions.Engine
        let batchSizes = LockedValue<[Int]>([])
        /// The (blob name, source) pairs of each upload batch.
        let uploadBatches = LockedValue<[[String: String]]>([])
        /// Signalled when a batch (download or upload) starts.
        let started = TestEvent()
        /// Signalled when a held batch is cancelled.
        let cancelled = TestEvent()
        /// When holding, the n-th batch finishes once this has been signalled n times.
        private let releases = TestEvent()
        private let holding: Bool

        init(kind: TransferOptions.Engine, holding: Bool = false) {
            self.kind = kind
            self.holding = holding
        }

        /// Lets `count` more held batches finish.
        func release(_ count: Int = 1) {
            for _ in 0..<count { releases.signal() }
        }

        func download(_ targets: [BlobTarget]) async -> [Result<Void, any Error>] {
            batchSizes.withLock { $0.append(targets.count) }
            return await outcomes(targets)
        }

        func upload(_ items: [UploadItem]) async -> [Result<Void, any Error>] {
            uploadBatches.withLock { batches in
                batches.append(Dictionary(items.map { ($0.target.blobName, $0.source) }, uniquingKeysWith: { $1 }))
            }
            return await outcomes(items.map(\.target))
        }

        private func outcomes(_ targets: [BlobTarget]) async -> [Result<Void, any Error>] {
            let number = started.signal()
            if holding {
                do { try await releases.wait(count: number) } catch {
                    cancelled.signal()
                    return targets.map { _ in .failure(CancellationError()) }
                }
            }
            return targets.map { target in
                target.blobName.contains("missing")
                    ? .failure(AzFuseError(.notFound, "no such blob", path: target.blobName)) : .success(())
            }
        }
    }

    /// The number of queued requests the scheduler reports whenever it may have changed, to wait for.
    final class QueueWatch: Sendable {
        private let latest = LockedValue(0)
        private let changed = TestEvent()

        func record(_ queued: Int) {
            latest.withLock { $0 = queued }
            changed.signal()
        }

        /// Waits until the scheduler has reported `count` queued requests.
        func wait(untilQueued count: Int) async throws {
            var seen = 0
            while latest.value != count {
                seen += 1
                try await changed.wait(count: seen)
            }
        }
    }

    static let account = StorageAccount(
        accountName: "acct", containerName: "box", endpoint: URL(string: "http://127.0.0.1:9/acct")!)

    static func target(_ name: String, container: String = "box") -> BlobTarget {
        var account = Self.account
        account.containerName = container
        return BlobTarget(
            storageAccountName: "main", account: account, blobName: name, cachePath: "/c/\(container)/\(name)",
            cacheRoot: "/c/\(container)", relativePath: name)
    }

    static func scheduler(
        native: ScriptedEngine, azcopy: ScriptedEngine? = nil, options: TransferOptions = TransferOptions(),
        watch: QueueWatch? = nil
    ) -> TransferScheduler {
        let router = TransferRouter(options: options, native: native, azcopy: azcopy, missingAzCopy: native)
        guard let watch else { return TransferScheduler(router: router) }
        return TransferScheduler(router: router, queueDidChange: { @Sendable queued in watch.record(queued) })
    }

    @Test func loneRequestGoesOutAtOnce() async throws {
        let engine = ScriptedEngine(kind: .native)
        let scheduler = Self.scheduler(native: engine)
        try await scheduler.download(Self.target("a"))
        #expect(engine.batchSizes.value == [1])
    }

    /// Requests arriving while a batch runs go out together as the next batch (group commit).
    @Test func requestsQueuedDuringATransferShareTheNextBatch() async throws {
        let engine = ScriptedEngine(kind: .native, holding: true)
        let watch = QueueWatch()
        let scheduler = Self.scheduler(native: engine, watch: watch)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await scheduler.download(Self.target("first")) }
            try await engine.started.wait()
            for index in 0..<99 { group.addTask { try await scheduler.download(Self.target("f\(index)")) } }
            try await watch.wait(untilQueued: 99)
            engine.release(2)
            try await group.waitForAll()
        }
        #expect(engine.batchSizes.value == [1, 99])
        #expect(await scheduler.statistics.batches[.native] == 2)
    }

    /// Group commit round after round: whatever queues while batch n runs is batch n + 1, whatever the sizes.
    @Test func eachBatchTakesExactlyWhatQueuedWhileThePreviousOneRan() async throws {
        let engine = ScriptedEngine(kind: .native, holding: true)
        let watch = QueueWatch()
        let scheduler = Self.scheduler(native: engine, watch: watch)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await scheduler.download(Self.target("r0")) }
            for (round, size) in [3, 7, 2].enumerated() {
                try await engine.started.wait(count: round + 1)
                for index in 0..<size {
                    group.addTask { try await scheduler.download(Self.target("r\(round + 1)-\(index)")) }
                }
                try await watch.wait(untilQueued: size)
                engine.release()
            }
            engine.release()
            try await group.waitForAll()
        }
        #expect(engine.batchSizes.value == [1, 3, 7, 2])
    }

    @Test func aMissingBlobFailsOnlyItsOwnRequest() async throws {
        let engine = ScriptedEngine(kind: .native)
        let scheduler = Self.scheduler(native: engine)
        let outcomes = await scheduler.download([Self.target("ok1"), Self.target("missing"), Self.target("ok2")])
        #expect(engine.batchSizes.value == [3])
        #expect((try? outcomes[0].get()) != nil)
        #expect((try? outcomes[2].get()) != nil)
        #expect(throws: AzFuseError.self) { try outcomes[1].get() }
        await #expect(throws: AzFuseError.self) { try await scheduler.download(Self.target("missing2")) }
    }

    @Test func lanesSplitByContainerAndLargeBatchesGoToAzCopy() async throws {
        let native = ScriptedEngine(kind: .native)
        let azcopy = ScriptedEngine(kind: .azcopy)
        let scheduler = Self.scheduler(
            native: native, azcopy: azcopy, options: TransferOptions(azcopyMinimumBatchSize: 10))
        let targets = (0..<12).map { Self.target("x\($0)") } + (0..<3).map { Self.target("y\($0)", container: "other") }
        let progress = LockedValue<[Int]>([])
        let outcomes = await scheduler.download(targets) { done in progress.withLock { $0.append(done) } }
        #expect(outcomes.count == 15)
        #expect(azcopy.batchSizes.value == [12])
        #expect(native.batchSizes.value == [3])
        #expect(progress.value.count == 15)
        #expect(progress.value.last == 15)
    }

    @Test func forcedEnginesAreHonoured() async throws {
        let native = ScriptedEngine(kind: .native)
        let azcopy = ScriptedEngine(kind: .azcopy)
        let forced = Self.scheduler(native: native, azcopy: azcopy, options: TransferOptions(engine: .azcopy))
        try await forced.download(Self.target("a"))
        #expect(azcopy.batchSizes.value == [1])
        let nativeOnly = Self.scheduler(
            native: native, azcopy: azcopy, options: TransferOptions(engine: .native, azcopyMinimumBatchSize: 1))
        _ = await nativeOnly.download((0..<5).map { Self.target("n\($0)") })
        #expect(native.batchSizes.value == [5])
    }

    @Test func cancelledWaiterLeavesAndTheBatchGoesOnForTheOthers() async throws {
        let engine = ScriptedEngine(kind: .native, holding: true)
        let watch = QueueWatch()
        let scheduler = Self.scheduler(native: engine, watch: watch)
        let staying = Task { try await scheduler.download(Self.target("s")) }
        try await engine.started.wait()
        let leavingSameBlob = Task { try await scheduler.download(Self.target("s")) }
        let leavingOtherBlob = Task { try await scheduler.download(Self.target("p")) }
        try await watch.wait(untilQueued: 2)
        leavingSameBlob.cancel()
        leavingOtherBlob.cancel()
        await #expect(throws: CancellationError.self) { try await leavingSameBlob.value }
        await #expect(throws: CancellationError.self) { try await leavingOtherBlob.value }
        engine.release()
        try await staying.value
        #expect(engine.cancelled.count == 0)
        #expect(engine.batchSizes.value == [1], "the cancelled queued requests never went out")
    }

    @Test func batchIsCancelledWhenEveryWaiterLeft() async throws {
        let engine = ScriptedEngine(kind: .native, holding: true)
        let watch = QueueWatch()
        let scheduler = Self.scheduler(native: engine, watch: watch)
        let first = Task { try await scheduler.download(Self.target("c0")) }
        try await engine.started.wait()
        let queued = (0..<2).map { index in Task { try await scheduler.download(Self.target("c\(index)")) } }
        try await watch.wait(untilQueued: 2)
        for task in [first] + queued { task.cancel() }
        for task in [first] + queued { await #expect(throws: CancellationError.self) { try await task.value } }
        try await engine.cancelled.wait()
        #expect(engine.cancelled.count >= 1)
    }

    /// Uploads queued while an upload batch runs go out together; for one blob the latest request's file is sent,
    /// and upload lanes are separate from download lanes.
    @Test func uploadsQueuedDuringATransferShareTheNextBatchLatestFileWins() async throws {
        let engine = ScriptedEngine(kind: .native, holding: true)
        let watch = QueueWatch()
        let scheduler = Self.scheduler(native: engine, watch: watch)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await scheduler.upload(UploadItem(source: "/s/first", target: Self.target("first"))) }
            try await engine.started.wait()
            group.addTask { try await scheduler.download(Self.target("read")) }
            try await engine.started.wait(count: 2)
            for index in 0..<20 {
                group.addTask {
                    try await scheduler.upload(
                        UploadItem(source: "/s/f\(index % 10)", target: Self.target("f\(index % 10)")))
                }
            }
            try await watch.wait(untilQueued: 20)
            group.addTask { try await scheduler.upload(UploadItem(source: "/s/newest", target: Self.target("f3"))) }
            try await watch.wait(untilQueued: 21)
            engine.release(3)
            try await group.waitForAll()
        }
        let batches = engine.uploadBatches.value
        #expect(batches.count == 2)
        #expect(batches.last?.count == 10)
        #expect(batches.last?["f3"] == "/s/newest")
        #expect(engine.batchSizes.value == [1], "the download went out in its own lane")
        let statistics = await scheduler.statistics
        #expect(statistics.uploadBatches[.native] == 2)
        #expect(statistics.uploadFiles[.native] == 11)
        #expect(statistics.batches[.native] == 1)
    }

    @Test func largeUploadBatchesGoToAzCopy() async throws {
        let native = ScriptedEngine(kind: .native)
        let azcopy = ScriptedEngine(kind: .azcopy)
        let scheduler = Self.scheduler(
            native: native, azcopy: azcopy, options: TransferOptions(azcopyMinimumBatchSize: 10))
        let items = (0..<12).map { UploadItem(source: "/s/\($0)", target: Self.target("u\($0)")) }
        let outcomes = await scheduler.upload(items + [UploadItem(source: "/s/m", target: Self.target("missing"))])
        #expect(outcomes.count == 13)
        #expect(outcomes.prefix(12).allSatisfy { (try? $0.get()) != nil })
        #expect(throws: AzFuseError.self) { try outcomes[12].get() }
        #expect(azcopy.uploadBatches.value.map(\.count) == [13])
        #expect(native.uploadBatches.value.isEmpty)
    }
}
