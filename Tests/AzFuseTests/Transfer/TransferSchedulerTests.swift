import Foundation
import Testing

@testable import AzFuse

@Suite struct TransferSchedulerTests {
    /// An engine that records batch sizes, can be held until released, and fails blobs named "missing...".
    final class ScriptedEngine: TransferEngine {
        let kind: TransferOptions.Engine
        let batchSizes = LockedValue<[Int]>([])
        /// The (blob name, source) pairs of each upload batch.
        let uploadBatches = LockedValue<[[String: String]]>([])
        let held = LockedValue(false)
        let cancelledBatches = LockedValue(0)

        init(kind: TransferOptions.Engine, holding: Bool = false) {
            self.kind = kind
            held.withLock { $0 = holding }
        }

        func release() { held.withLock { $0 = false } }

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
            while held.value {
                do { try await Task.sleep(for: .milliseconds(2)) } catch {
                    cancelledBatches.withLock { $0 += 1 }
                    return targets.map { _ in .failure(CancellationError()) }
                }
            }
            return targets.map { target in
                target.blobName.contains("missing")
                    ? .failure(AzFuseError(.notFound, "no such blob", path: target.blobName)) : .success(())
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
        native: ScriptedEngine, azcopy: ScriptedEngine? = nil, options: TransferOptions = TransferOptions()
    ) -> TransferScheduler {
        TransferScheduler(
            router: TransferRouter(options: options, native: native, azcopy: azcopy, missingAzCopy: native))
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
        let scheduler = Self.scheduler(native: engine)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await scheduler.download(Self.target("first")) }
            while engine.batchSizes.value.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
            for index in 0..<99 { group.addTask { try await scheduler.download(Self.target("f\(index)")) } }
            try await Task.sleep(for: .milliseconds(100))
            engine.release()
            try await group.waitForAll()
        }
        #expect(engine.batchSizes.value == [1, 99])
        #expect(await scheduler.statistics.batches[.native] == 2)
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
        let scheduler = Self.scheduler(native: engine)
        let staying = Task { try await scheduler.download(Self.target("s")) }
        while engine.batchSizes.value.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        let leavingRunning = Task { try await scheduler.download(Self.target("s")) }
        let leavingPending = Task { try await scheduler.download(Self.target("p")) }
        try await Task.sleep(for: .milliseconds(30))
        leavingRunning.cancel()
        leavingPending.cancel()
        await #expect(throws: CancellationError.self) { try await leavingRunning.value }
        await #expect(throws: CancellationError.self) { try await leavingPending.value }
        engine.release()
        try await staying.value
        #expect(engine.cancelledBatches.value == 0)
        #expect(engine.batchSizes.value == [1], "the cancelled pending request never went out")
    }

    @Test func batchIsCancelledWhenEveryWaiterLeft() async throws {
        let engine = ScriptedEngine(kind: .native, holding: true)
        let scheduler = Self.scheduler(native: engine)
        let tasks = (0..<3).map { index in Task { try await scheduler.download(Self.target("c\(index % 2)")) } }
        while engine.batchSizes.value.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        try await Task.sleep(for: .milliseconds(20))
        for task in tasks { task.cancel() }
        for task in tasks { await #expect(throws: CancellationError.self) { try await task.value } }
        var waited = 0
        while engine.cancelledBatches.value == 0 && waited < 200 {
            try await Task.sleep(for: .milliseconds(5))
            waited += 1
        }
        #expect(engine.cancelledBatches.value >= 1)
    }

    /// Uploads queued while an upload batch runs go out together; for one blob the latest request's file is sent,
    /// and upload lanes are separate from download lanes.
    @Test func uploadsQueuedDuringATransferShareTheNextBatchLatestFileWins() async throws {
        let engine = ScriptedEngine(kind: .native, holding: true)
        let scheduler = Self.scheduler(native: engine)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await scheduler.upload(UploadItem(source: "/s/first", target: Self.target("first"))) }
            while engine.uploadBatches.value.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
            group.addTask { try await scheduler.download(Self.target("read")) }
            for index in 0..<20 {
                group.addTask {
                    try await scheduler.upload(
                        UploadItem(source: "/s/f\(index % 10)", target: Self.target("f\(index % 10)")))
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            group.addTask { try await scheduler.upload(UploadItem(source: "/s/newest", target: Self.target("f3"))) }
            try await Task.sleep(for: .milliseconds(50))
            engine.release()
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
