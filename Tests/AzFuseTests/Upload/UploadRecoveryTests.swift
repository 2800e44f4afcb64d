import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

#if canImport(Glibc)
    import Glibc
#endif

/// Crash recovery, concurrent writers, per-scope failures and journal validation (issue 10, items 1, 2, 4, 5).
@Suite(.serialized) struct UploadRecoveryTests {
    /// A late Put Blob of the killed writer (older content) arrives after resume uploaded the newer content: the
    /// resume's lease makes it fail, and the blob keeps the newest content.
    @Test func strayRequestOfAKilledWriterCannotWin() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            let environment = try CrossProcessCacheTests.writeConfiguration(
                emulator, container: client.account.containerName)
            try await UploadCrashTests.writeAndKill(
                emulator, environment: environment, sharedMemory: "-",
                writes: [("latest.bin", "v1"), ("latest.bin", "v2")], latencyMs: 6000, delayedBeforeKill: 1)
            #expect(try await emulator.delayedRequests() == 1, "the killed writer's Put Blob is still held")
            var configuration = try AzFuseConfiguration.fromEnvironment(environment)
            configuration.upload.resumeFence = .seconds(12)
            let fuse = try AzFuseClient(configuration: configuration)
            let report = try await fuse.resumePendingUploads()
            let afterResume = try await emulator.requests().map { "\($0.operation ?? "") \($0.status)" }
            #expect(report.uploaded == [emulator.localPath("data/latest.bin")], "\(report); requests: \(afterResume)")
            // Wait for the killed writer's delayed request to be answered.
            try await emulator.waitUntilHoldingNone()
            let stray = try await emulator.requests().filter {
                $0.blob == "azfuse_data/latest.bin" && $0.status == 412
            }
            let log = try await emulator.requests().filter { $0.blob == "azfuse_data/latest.bin" }
            #expect(stray.count >= 1, "the killed writer's late request was refused: \(log)")
            let destination = emulator.localPath("check-latest.bin")
            _ = try await client.download("azfuse_data/latest.bin", to: destination)
            #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Data("v2".utf8))
        }
    }

    /// Killed after the newer content was renamed into the cache but before it was journaled: resume uploads what
    /// the cache holds instead of dropping the older record and uploading nothing.
    @Test func killBetweenPublishAndJournalStillUploadsTheCacheContent() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            var environment = try CrossProcessCacheTests.writeConfiguration(
                emulator, container: client.account.containerName)
            environment["AZFUSE_TEST_KILL_AT"] = "published:2"
            try await UploadCrashTests.writeAndKill(
                emulator, environment: environment, sharedMemory: "-",
                writes: [("window.bin", "older"), ("window.bin", "newer")], killsItself: true)
            let fuse = try AzFuseClient(configuration: try AzFuseConfiguration.fromEnvironment(environment))
            let report = try await fuse.resumePendingUploads()
            #expect(report.failed.isEmpty, "\(report.failed)")
            let destination = emulator.localPath("check-window.bin")
            _ = try await client.download("azfuse_data/window.bin", to: destination)
            #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Data("newer".utf8))
        }
    }

    /// A staged file of a writer killed before it was journaled is reclaimed by the next instance.
    @Test func stagedFileOfAKilledWriterIsReclaimed() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            var environment = try CrossProcessCacheTests.writeConfiguration(
                emulator, container: client.account.containerName)
            environment["AZFUSE_TEST_KILL_AT"] = "staged:1"
            let sharedMemory = "/dev/shm/azfuse-tests-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: sharedMemory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: sharedMemory) }
            try await UploadCrashTests.writeAndKill(
                emulator, environment: environment, sharedMemory: sharedMemory, writes: [("orphan.bin", "lost")],
                killsItself: true)
            let staging = sharedMemory + "/azfuse-\(getuid())"
            #expect(UploadFixture.stagedFiles(in: staging).count == 1)

            var configuration = try AzFuseConfiguration.fromEnvironment(environment)
            configuration.upload.sharedMemoryFolder = sharedMemory
            let fuse = try AzFuseClient(configuration: configuration)
            try await fuse.withAsyncUpload(shmAsTemp: true) {
                try await fuse.write(Data("kept".utf8), to: emulator.localPath("data/kept.bin"))
            }
            #expect(UploadFixture.stagedFiles(in: staging).isEmpty)
        }
    }

    /// Four writers rewrite one 40 MiB path at once (8 MiB blocks): the blob is exactly one written version, and
    /// its stored MD5 matches it.
    @Test func concurrentLargeWritersNeverMixABlob() async throws {
        try await UploadFixture.with { fixture in
            let versions = (0..<4).map { index in Data(repeating: UInt8(65 + index), count: 40 << 20) }
            let instances = try (0..<4).map { _ in try fixture.makeInstance() }
            // Every writer's blocks are in before any commit: blocks of one upload must not be taken from another,
            // and an upload whose blocks a concurrent commit discarded starts over.
            try await fixture.emulator.inject(
                .init(blob: "azfuse_data/big.bin", count: 16, latencyMs: 1500, operation: "PutBlockList"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (instance, version) in zip(instances, versions) {
                    group.addTask { try await instance.write(version, to: fixture.logical("big.bin")) }
                }
                try await group.waitForAll()
            }
            let content = try #require(try await fixture.blob("big.bin"))
            let md5 = Data(MD5.hash(Array(content))).base64EncodedString()
            let blockIDs = try await fixture.emulator.requests().compactMap {
                $0.operation == "PutBlock" ? $0.query["blockid"] : nil
            }
            #expect(blockIDs.count >= 20 && Set(blockIDs).count == blockIDs.count, "uploads shared block IDs")
            #expect(versions.contains(content), "the blob mixes versions")
            #expect(try await fixture.client.properties(of: "azfuse_data/big.bin").contentMD5 == md5)
        }
    }

    /// Four processes rewrite one 40 MiB path at once: every one succeeds, and the blob is exactly one of the
    /// versions, with its MD5 stored.
    @Test func concurrentWriterProcessesNeverMixABlob() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            var environment = try CrossProcessCacheTests.writeConfiguration(
                emulator, container: client.account.containerName)
            environment["AZFUSE_TEST_WRITER_EXIT"] = "1"
            try await emulator.inject(
                .init(blob: "azfuse_data/shared.bin", count: 16, latencyMs: 1500, operation: "PutBlockList"))
            var versions: [Data] = []
            var writers: [CommandRunner.Running] = []
            for index in 0..<4 {
                let version = Data(repeating: UInt8(97 + index), count: 40 << 20)
                let source = emulator.localPath("version-\(index)")
                try version.write(to: URL(fileURLWithPath: source))
                versions.append(version)
                writers.append(
                    try CommandRunner.start(
                        ["-", "\(emulator.localPath("data/shared.bin"))=@\(source)"], environment: environment,
                        currentFolder: emulator.scratchDirectory, executable: "azfuse-test-writer"))
            }
            for writer in writers {
                let result = await withCheckedContinuation { continuation in
                    DispatchQueue.global().async { continuation.resume(returning: writer.finish()) }
                }
                #expect(result.status == 0 && result.standardOutput.hasSuffix("done\n"), "\(result.standardError)")
            }
            let destination = emulator.localPath("check-shared.bin")
            _ = try await client.download("azfuse_data/shared.bin", to: destination)
            let content = try Data(contentsOf: URL(fileURLWithPath: destination))
            #expect(versions.contains(content), "the blob mixes versions")
            let md5 = Data(MD5.hash(Array(content))).base64EncodedString()
            #expect(try await client.properties(of: "azfuse_data/shared.bin").contentMD5 == md5)
            let blockIDs = try await emulator.requests().compactMap {
                $0.operation == "PutBlock" ? $0.query["blockid"] : nil
            }
            #expect(blockIDs.count >= 20 && Set(blockIDs).count == blockIDs.count, "uploads shared block IDs")
        }
    }

    /// A scope that failed for good (read-only SAS) does not make later scopes throw, even on another instance
    /// with a valid credential; the permanent failure is parked, and resumePendingUploads() retries and reports it.
    @Test func failedScopeStaysInItsScopeAndIsParked() async throws {
        try await UploadFixture.with { fixture in
            let readOnly = try fixture.makeInstance(account: try fixture.sasAccount([.read, .list]))
            await #expect(throws: AzFuseError.self) {
                try await readOnly.withAsyncUpload {
                    try await readOnly.write(Data("denied".utf8), to: fixture.logical("denied.bin"))
                }
            }
            let parked = UploadJournal.uploadsFolder(cacheRoot: fixture.cacheRoot) + "/parked"
            #expect(
                ((try? FileManager.default.contentsOfDirectory(atPath: parked)) ?? []).contains {
                    $0.hasSuffix(".json")
                })

            let later = try fixture.makeInstance()
            try await later.withAsyncUpload {
                try await later.write(Data("fine".utf8), to: fixture.logical("fine.bin"))
            }
            let readOnlyAgain = try fixture.makeInstance(account: try fixture.sasAccount([.read, .list]))
            try await readOnlyAgain.withAsyncUpload {}
            #expect(try await fixture.blob("fine.bin") == Data("fine".utf8))
            #expect(try await fixture.blob("denied.bin") == nil, "parked records are not retried automatically")

            let report = try await later.resumePendingUploads()
            #expect(report.uploaded == [fixture.logical("denied.bin")], "\(report)")
            #expect(try await fixture.blob("denied.bin") == Data("denied".utf8))
        }
    }

    /// A transient failure is kept in `failed` and retried by the next instance's background resume; a scope throws
    /// only for its own files, never for leftovers whose retry failed (then parked, being permanent).
    @Test func leftoversAreRetriedInTheBackgroundAndNeverThrownByAScope() async throws {
        // Quick retries: the first scope's upload must fail for good (transiently) within a second or two.
        let quickRetries = TransferOptions(
            engine: .native, retry: RetryPolicy(maxAttempts: 3, budget: .seconds(2), initialDelay: .milliseconds(20)))
        try await UploadFixture.with(transfer: quickRetries) { fixture in
            try await fixture.emulator.inject(
                .init(method: "PUT", blobPrefix: "azfuse_data/left", status: 503, count: 1000))
            await #expect(throws: AzFuseError.self) {
                try await fixture.fuse.withAsyncUpload {
                    try await fixture.fuse.write(Data("left".utf8), to: fixture.logical("left.bin"))
                }
            }
            let failed = UploadJournal.uploadsFolder(cacheRoot: fixture.cacheRoot) + "/failed"
            #expect(
                ((try? FileManager.default.contentsOfDirectory(atPath: failed)) ?? []).contains {
                    $0.hasSuffix(".json")
                })
            try await fixture.emulator.clearFaults()

            let readOnly = try fixture.makeInstance(account: try fixture.sasAccount([.read, .list]))
            let error = try await #require(throws: AzFuseError.self) {
                try await readOnly.withAsyncUpload {
                    try await readOnly.write(Data("own".utf8), to: fixture.logical("own.bin"))
                }
            }
            #expect(error.fileErrors.compactMap(\.path) == [fixture.logical("own.bin")], "\(error)")
            let background = try await readOnly.resumePendingUploads(paths: [fixture.logical("none.bin")])
            #expect(background.failed.compactMap(\.path) == [fixture.logical("left.bin")], "\(background)")

            let valid = try fixture.makeInstance()
            try await valid.withAsyncUpload {}
            #expect(try await fixture.blob("left.bin") == nil, "parked after the permanent failure")
            let report = try await valid.resumePendingUploads()
            #expect(Set(report.uploaded) == [fixture.logical("left.bin"), fixture.logical("own.bin")], "\(report)")
            #expect(try await fixture.blob("left.bin") == Data("left".utf8))
        }
    }

    /// Planted journal records (an outside file, a symbolic link, a blob that is not where the path maps) are
    /// refused and reported; nothing is uploaded and nothing outside AzFuse's folders is deleted.
    @Test func plantedJournalRecordsAreRefused() async throws {
        try await UploadFixture.with { fixture in
            let outside = fixture.emulator.localPath("precious.txt")
            try Data("do not upload or delete".utf8).write(to: URL(fileURLWithPath: outside))
            let folder = UploadJournal.uploadsFolder(cacheRoot: fixture.cacheRoot) + "/deadowner"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            func plant(_ id: String, name: String, snapshot: String, blob: String? = nil) throws {
                let record = UploadJournalRecord(
                    logicalPath: fixture.logical(name), storageAccountName: "main",
                    blobName: blob ?? "azfuse_data/\(name)", relativePath: name, cachePath: fixture.cachePath(name),
                    snapshot: snapshot, inSharedMemory: false, size: 23, contentModified: 1)
                try JSONEncoder().encode(record).write(to: URL(fileURLWithPath: folder + "/\(id).json"))
            }
            try plant("1-a", name: "outside.bin", snapshot: outside)
            #expect(symlink(outside, folder + "/1-b.data") == 0)
            try plant("1-b", name: "link.bin", snapshot: folder + "/1-b.data")
            #expect(link(outside, folder + "/1-c.data") == 0)
            try plant("1-c", name: "elsewhere.bin", snapshot: folder + "/1-c.data", blob: "other/victim.bin")

            let report = try await fixture.fuse.resumePendingUploads()
            #expect(report.uploaded.isEmpty, "\(report.uploaded)")
            #expect(
                Set(report.failed.compactMap(\.path))
                    == Set(["outside.bin", "link.bin", "elsewhere.bin"].map { fixture.logical($0) }), "\(report.failed)"
            )
            #expect(try Data(contentsOf: URL(fileURLWithPath: outside)) == Data("do not upload or delete".utf8))
            for name in ["outside.bin", "link.bin"] { #expect(try await fixture.blob(name) == nil) }
            let requests = try await fixture.emulator.requests()
            #expect(!requests.contains { $0.method == "PUT" && $0.blob == "other/victim.bin" })
            #expect(fixture.journalRecords().allSatisfy { $0.hasPrefix("rejected/") }, "\(fixture.journalRecords())")
        }
    }
}
