import Foundation
import Testing

@_spi(Testing) @testable import AzFuse

/// `withAsyncUpload` against the emulator: writers move on, uploads are batched, the newest content wins, and the
/// scope reports every failure without losing content.
@Suite struct AsyncUploadTests {
    struct BodyFailure: Error {}

    /// Slows every successful upload of blobs under `azfuse_data/` so that writes pile up behind a transfer.
    static func slowUploads(_ fixture: UploadFixture, milliseconds: Int, count: Int = 1000) async throws {
        try await fixture.emulator.inject(
            .init(method: "PUT", blobPrefix: "azfuse_data/", count: count, latencyMs: milliseconds))
    }

    @Test func writersMoveOnAndQueuedFilesGoOutTogether() async throws {
        try await UploadFixture.with { fixture in
            // The first upload is held long enough for all 20 journaled writes to finish even on a loaded machine.
            try await Self.slowUploads(fixture, milliseconds: 8000, count: 1)
            let writing = try await measure {
                try await fixture.fuse.withCurrent {
                    try await File.withAsyncUpload {
                        for index in 0..<20 {
                            try await File.write(Data("f\(index)".utf8), to: fixture.logical("many/f\(index).txt"))
                        }
                        #expect(!fixture.journalRecords().isEmpty, "the writes waited for their uploads")
                    }
                }
            }
            #expect(writing >= .milliseconds(8000))
            for index in 0..<20 { #expect(try await fixture.blob("many/f\(index).txt") == Data("f\(index)".utf8)) }
            let statistics = await fixture.fuse.transferStatistics()
            #expect(statistics.uploadFiles[.native] == 20)
            #expect(
                (statistics.uploadBatches[.native] ?? 0) <= 2,
                "the first file(s), then the rest together: \(statistics)")
            #expect(fixture.journalRecords().isEmpty)
            #expect(fixture.journalDataFiles().isEmpty)
        }
    }

    @Test func failedUploadsSurfaceAtScopeEndAndKeepTheirContent() async throws {
        try await UploadFixture.with { fixture in
            let readOnly = try fixture.makeInstance(account: try fixture.sasAccount([.read, .list]))
            let error = try await #require(throws: AzFuseError.self) {
                try await readOnly.withAsyncUpload {
                    for index in 0..<3 {
                        try await readOnly.write(Data("c\(index)".utf8), to: fixture.logical("ckpt-\(index).bin"))
                    }
                }
            }
            #expect(error.code == .uploadFailed)
            #expect(error.message.contains("File.resumePendingUploads()"))
            #expect(Set(error.fileErrors.compactMap(\.path)) == Set((0..<3).map { fixture.logical("ckpt-\($0).bin") }))
            for fileError in error.fileErrors {
                #expect(fileError.code == .uploadFailed)
                #expect((fileError.underlying as? AzFuseError)?.code == .permissionDenied)
                #expect(fileError.message.contains(fixture.cacheRoot))
            }
            for index in 0..<3 {
                let cached = try Data(contentsOf: URL(fileURLWithPath: fixture.cachePath("ckpt-\(index).bin")))
                #expect(cached == Data("c\(index)".utf8))
            }
            #expect(fixture.journalRecords().count == 3)
            try await fixture.fuse.resumePendingUploads()
            for index in 0..<3 { #expect(try await fixture.blob("ckpt-\(index).bin") == Data("c\(index)".utf8)) }
            #expect(fixture.journalRecords().isEmpty)
        }
    }

    @Test func injectedServerErrorsAreRetriedInTheBackground() async throws {
        try await UploadFixture.with { fixture in
            try await fixture.emulator.inject(.init(method: "PUT", blobPrefix: "azfuse_data/", status: 503, count: 2))
            try await fixture.fuse.withAsyncUpload {
                for index in 0..<3 {
                    try await fixture.fuse.write(Data("r\(index)".utf8), to: fixture.logical("r\(index)"))
                }
            }
            for index in 0..<3 { #expect(try await fixture.blob("r\(index)") == Data("r\(index)".utf8)) }
        }
    }

    @Test func uploadsFinishWhenTheBodyThrows() async throws {
        try await UploadFixture.with { fixture in
            try await Self.slowUploads(fixture, milliseconds: 200)
            await #expect(throws: BodyFailure.self) {
                try await fixture.fuse.withAsyncUpload {
                    for index in 0..<3 {
                        try await fixture.fuse.write(Data("b\(index)".utf8), to: fixture.logical("b\(index)"))
                    }
                    throw BodyFailure()
                }
            }
            for index in 0..<3 { #expect(try await fixture.blob("b\(index)") == Data("b\(index)".utf8)) }
            #expect(fixture.journalRecords().isEmpty)
        }
    }

    @Test func uploadsFinishWhenTheTaskIsCancelled() async throws {
        try await UploadFixture.with { fixture in
            try await Self.slowUploads(fixture, milliseconds: 300)
            let written = OneShotEvent()
            let task = Task {
                try await fixture.fuse.withAsyncUpload {
                    for index in 0..<5 {
                        try await fixture.fuse.write(Data("k\(index)".utf8), to: fixture.logical("k\(index)"))
                    }
                    written.signal()
                    await waitUntilCancelled()
                    try await fixture.fuse.write(Data("late".utf8), to: fixture.logical("late"))
                    Issue.record("a write in a cancelled task went through")
                }
            }
            await written.wait()
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            for index in 0..<5 { #expect(try await fixture.blob("k\(index)") == Data("k\(index)".utf8)) }
            #expect(try await fixture.blob("late") == nil)
            #expect(fixture.journalRecords().isEmpty)
            #expect(fixture.cacheEntries().count == 5, "no partial or temporary file: \(fixture.cacheEntries())")
        }
    }

    /// A writer waiting for room (back-pressure) whose task is cancelled goes on at once; its file, already
    /// written and journaled, is still uploaded.
    @Test func aCancelledWriterWaitingForRoomGoesOnAndItsFileIsUploaded() async throws {
        let bounded = UploadOptions(maxPendingBytes: 10, retryDelay: .milliseconds(10))
        try await UploadFixture.with(upload: bounded) { fixture in
            // The first upload is held until the cancelled writer has gone on.
            try await Self.slowUploads(fixture, milliseconds: 4000, count: 1)
            let waiting = OneShotEvent()
            let second = fixture.logical("second.bin")
            try await UploadTestHooks.withObserver({ point, path in
                if point == .waitingForRoom && path == second { waiting.signal() }
            }) {
                try await fixture.fuse.withAsyncUpload {
                    try await fixture.fuse.write(Data("first, 20 bytes long".utf8), to: fixture.logical("first.bin"))
                    try await fixture.emulator.waitUntilHolding(atLeast: 1)
                    let writer = Task { try await fixture.fuse.write(Data("second".utf8), to: second) }
                    await waiting.wait()
                    writer.cancel()
                    try await writer.value
                    #expect(try await fixture.emulator.delayedRequests() == 1, "the writer did not wait for the upload")
                }
            }
            #expect(try await fixture.blob("first.bin") == Data("first, 20 bytes long".utf8))
            #expect(try await fixture.blob("second.bin") == Data("second".utf8))
            #expect(fixture.journalRecords().isEmpty)
        }
    }

    @Test func onlyTheNewestContentIsUploadedAndRewritesDuringAnUploadAreSentAgain() async throws {
        try await UploadFixture.with { fixture in
            // The first upload is held 3 s at the emulator: the rewrites are written while it is in flight.
            try await Self.slowUploads(fixture, milliseconds: 3000, count: 1)
            let firstStillHeld = try await fixture.fuse.withAsyncUpload {
                try await fixture.fuse.write(Data("first".utf8), to: fixture.logical("latest.bin"))
                try await fixture.emulator.waitUntilHolding(atLeast: 1)
                for version in 2...6 {
                    try await fixture.fuse.write(Data("v\(version)".utf8), to: fixture.logical("latest.bin"))
                }
                return try await fixture.emulator.delayedRequests() == 1
            }
            #expect(try await fixture.blob("latest.bin") == Data("v6".utf8))
            let commits = try await fixture.commits("latest.bin")
            let log = try await fixture.emulator.requests().filter { $0.blob == "azfuse_data/latest.bin" }.map {
                "\($0.operation ?? $0.method) \($0.status)"
            }
            if firstStillHeld {
                // Every rewrite was queued while the first version was in flight: that one is committed, then only
                // the newest; the intermediate versions never are.
                #expect(commits == 2, "the first and the newest: \(log)")
            } else {
                // A very slow machine: the first upload ended during the rewrites, so later ones could go out too.
                #expect((2...6).contains(commits), "\(log)")
            }
            #expect(try await fixture.fuse.read(fixture.logical("latest.bin")) == Data("v6".utf8))
            #expect(fixture.journalRecords().isEmpty)
            #expect(fixture.journalDataFiles().isEmpty)
        }
    }

    @Test func sharedMemoryStagingIsReadableAtOnceAndCleanedAfterUpload() async throws {
        try await UploadFixture.with { fixture in
            try await fixture.fuse.write(Data("old".utf8), to: fixture.logical("shm/model.bin"))
            try await Self.slowUploads(fixture, milliseconds: 300)
            try await fixture.fuse.withAsyncUpload(shmAsTemp: true) {
                try await fixture.fuse.write(Data("new".utf8), to: fixture.logical("shm/model.bin"))
                #expect(fixture.stagedFiles().count == 1)
                #expect(fixture.cacheFileIsLink("shm/model.bin"))
                #expect(try await fixture.fuse.read(fixture.logical("shm/model.bin")) == Data("new".utf8))
            }
            #expect(fixture.stagedFiles().isEmpty)
            #expect(!fixture.cacheFileIsLink("shm/model.bin"), "the cache holds a regular copy after upload")
            #expect(try await fixture.fuse.read(fixture.logical("shm/model.bin")) == Data("new".utf8))
            #expect(try await fixture.blob("shm/model.bin") == Data("new".utf8))
            #expect(fixture.journalRecords().isEmpty)
        }
    }

    @Test func sharedMemoryShortOfRoomFallsBackToTheCacheFolder() async throws {
        let upload = UploadOptions(retryDelay: .milliseconds(10), sharedMemoryReserveBytes: Int64.max / 4)
        try await UploadFixture.with(upload: upload) { fixture in
            try await Self.slowUploads(fixture, milliseconds: 200)
            try await fixture.fuse.withAsyncUpload(shmAsTemp: true) {
                try await fixture.fuse.write(Data("fallback".utf8), to: fixture.logical("fallback.bin"))
                try await fixture.fuse.open(fixture.logical("fallback2.bin"), .write) {
                    try $0.write(contentsOf: Data("2".utf8))
                }
                #expect(fixture.stagedFiles().isEmpty)
                #expect(!fixture.cacheFileIsLink("fallback.bin"))
                #expect(fixture.journalRecords().count == 2)
            }
            #expect(try await fixture.blob("fallback.bin") == Data("fallback".utf8))
            #expect(try await fixture.blob("fallback2.bin") == Data("2".utf8))
        }
    }

    @Test func writersWaitWhenTooManyBytesAreWaitingForUpload() async throws {
        let chunk = Data(repeating: 7, count: 64 << 10)
        let bounded = UploadOptions(maxPendingBytes: 100 << 10, retryDelay: .milliseconds(10))
        try await UploadFixture.with(upload: bounded) { fixture in
            try await Self.slowUploads(fixture, milliseconds: 300)
            let peak = LockedValue(0)
            let loop = try await measure {
                try await fixture.fuse.withAsyncUpload {
                    for index in 0..<5 {
                        try await fixture.fuse.write(chunk, to: fixture.logical("bp\(index)"))
                        let records = fixture.journalRecords().count
                        peak.withLock { $0 = max($0, records) }
                    }
                }
            }
            #expect(peak.value <= 2, "at most one file waiting beside the one being written: \(peak.value)")
            #expect(loop >= .milliseconds(1200), "five uploads of 300 ms one after the other: \(loop)")
            for index in 0..<5 { #expect(try await fixture.blob("bp\(index)") == chunk) }
        }
    }

    @Test func nestedScopesAndDisabledScopesAndFlush() async throws {
        try await UploadFixture.with { fixture in
            try await Self.slowUploads(fixture, milliseconds: 200)
            try await fixture.fuse.withCurrent {
                try await File.withAsyncUpload {
                    try await File.write(Data("outer".utf8), to: fixture.logical("outer.bin"))
                    try await File.withAsyncUpload(enabled: false) {
                        try await File.write(Data("sync".utf8), to: fixture.logical("sync.bin"))
                        #expect(try await fixture.blob("sync.bin") == Data("sync".utf8))
                    }
                    try await File.withAsyncUpload {
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask { try await File.write(Data("inner".utf8), to: fixture.logical("inner.bin")) }
                            try await group.waitForAll()
                        }
                    }
                    #expect(try await fixture.blob("inner.bin") == Data("inner".utf8), "inner scope waited")
                    try await File.write(Data("flushed".utf8), to: fixture.logical("flushed.bin"))
                    try await File.flushUploads()
                    #expect(try await fixture.blob("flushed.bin") == Data("flushed".utf8))
                    #expect(try await fixture.blob("outer.bin") == Data("outer".utf8))
                }
            }
            #expect(fixture.journalRecords().isEmpty)
        }
    }

    @Test(.enabled(if: AzCopyTestSupport.executable != nil, AzCopyTestSupport.missingReason))
    func queuedFilesGoOutThroughFewAzCopyJobs() async throws {
        try await UploadFixture.with(transfer: TransferOptions(engine: .azcopy)) { fixture in
            // The first job is held long enough for every later write to be queued behind it, however loaded the
            // machine is: they must then go out together.
            try await fixture.emulator.inject(
                .init(method: "PUT", blob: "azfuse_data/az/z0.txt", count: 1, latencyMs: 6000))
            try await fixture.fuse.withAsyncUpload {
                for index in 0..<30 {
                    try await fixture.fuse.write(Data("z\(index)".utf8), to: fixture.logical("az/z\(index).txt"))
                }
            }
            for index in 0..<30 { #expect(try await fixture.blob("az/z\(index).txt") == Data("z\(index)".utf8)) }
            let statistics = await fixture.fuse.transferStatistics()
            #expect(statistics.uploadFiles[.azcopy] == 30)
            #expect(statistics.azcopyInvocations == statistics.uploadBatches[.azcopy])
            #expect(statistics.azcopyInvocations <= 3, "\(statistics)")
            #expect(fixture.journalRecords().isEmpty)
        }
    }

    @Test(.enabled(if: AzCopyTestSupport.executable != nil, AzCopyTestSupport.missingReason))
    func azCopyUploadRefusedByTheServiceIsReportedAndKept() async throws {
        let once = UploadOptions(maxAttempts: 1)
        try await UploadFixture.with(upload: once, transfer: TransferOptions(engine: .azcopy)) { fixture in
            let readOnly = try fixture.makeInstance(account: try fixture.sasAccount([.read, .list]))
            let error = try await #require(throws: AzFuseError.self) {
                try await readOnly.withAsyncUpload {
                    try await readOnly.write(Data("kept".utf8), to: fixture.logical("refused.bin"))
                }
            }
            #expect(error.code == .uploadFailed)
            #expect(error.fileErrors.map(\.path) == [fixture.logical("refused.bin")])
            #expect(!error.description.contains("sig="), "no SAS in \(error)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.cachePath("refused.bin"))) == Data("kept".utf8))
            #expect(fixture.journalRecords().count == 1)
        }
    }
}

/// Measures how long `body` takes.
func measure(_ body: () async throws -> Void) async rethrows -> Duration {
    let start = ContinuousClock.now
    try await body()
    return ContinuousClock.now - start
}
