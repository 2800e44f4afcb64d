import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

/// The read path against the emulator: misses download once, hits need no network, failures name the path.
@Suite struct CacheReadTests {
    /// An emulator, a container with blobs under `azfuse_data/`, and an instance mapping `<scratch>/data` onto it.
    struct Fixture {
        let emulator: BlobEmulator
        let client: BlobClient
        let fuse: AzFuseClient

        var cacheRoot: String { emulator.localPath("cache") }

        func logical(_ name: String) -> String { emulator.localPath("data/\(name)") }

        /// Uploads `content` as `azfuse_data/<name>`.
        func putBlob(_ name: String, _ content: Data) async throws {
            let source = emulator.localPath("upload-\(UUID().uuidString)")
            try content.write(to: URL(fileURLWithPath: source))
            defer { try? FileManager.default.removeItem(atPath: source) }
            _ = try await client.upload(from: source, to: "azfuse_data/\(name)")
        }

        /// GET requests the emulator saw for `azfuse_data/<name>` since the log was last cleared.
        func gets(_ name: String) async throws -> Int {
            try await emulator.requests().filter { $0.method == "GET" && $0.blob == "azfuse_data/\(name)" }.count
        }

        /// Files in the cache folder other than AzFuse's internal folder (temporary files would show here).
        func cacheEntries() throws -> [String] {
            guard let enumerator = FileManager.default.enumerator(atPath: cacheRoot) else { return [] }
            return enumerator.compactMap { $0 as? String }.filter { !CacheLayout.isInternal(relativePath: $0) }.sorted()
        }
    }

    static func withFixture<Result>(
        account makeAccount: ((BlobEmulator, StorageAccount) throws -> StorageAccount)? = nil,
        transfer: TransferOptions = TransferOptions(),
        _ body: (Fixture) async throws -> Result
    ) async throws -> Result {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            var account = client.storageAccount
            if let makeAccount { account = try makeAccount(emulator, account) }
            let configuration = AzFuseConfiguration(
                mounts: [
                    Mount(
                        local: emulator.localPath("data"), remote: "azfuse_data", cache: emulator.localPath("cache"),
                        storageAccount: "main")
                ],
                storageAccounts: ["main": account], azcopyPath: AzCopyTestSupport.executable, transfer: transfer)
            return try await body(
                Fixture(emulator: emulator, client: client, fuse: try AzFuseClient(configuration: configuration)))
        }
    }

    @Test func missDownloadsOnceThenHitsNeedNoRequest() async throws {
        try await Self.withFixture { fixture in
            try await fixture.putBlob("abc.txt", Data("hello blob".utf8))
            try await fixture.emulator.clearRequests()
            #expect(try fixture.fuse.isCached(fixture.logical("abc.txt")) == false)
            #expect(try await fixture.fuse.read(fixture.logical("abc.txt")) == Data("hello blob".utf8))
            #expect(try await fixture.fuse.read(fixture.logical("abc.txt")) == Data("hello blob".utf8))
            let viaHandle = try await fixture.fuse.open(fixture.logical("abc.txt"), .read) { try $0.readToEnd() }
            #expect(viaHandle == Data("hello blob".utf8))
            #expect(try await fixture.gets("abc.txt") == 1)
            #expect(try fixture.fuse.isCached(fixture.logical("abc.txt")))
            #expect(try fixture.fuse.cachePath(for: fixture.logical("abc.txt")) == fixture.cacheRoot + "/abc.txt")
            #expect(try fixture.cacheEntries() == ["abc.txt"])
        }
    }

    @Test func concurrentMissesOfOneBlobShareOneDownload() async throws {
        try await Self.withFixture { fixture in
            let content = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0) })
            try await fixture.putBlob("shared/big.bin", content)
            try await fixture.emulator.clearRequests()
            try await withThrowingTaskGroup(of: Data.self) { group in
                for _ in 0..<32 { group.addTask { try await fixture.fuse.read(fixture.logical("shared/big.bin")) } }
                for try await data in group { #expect(data == content) }
            }
            #expect(try await fixture.gets("shared/big.bin") == 1)
        }
    }

    @Test func emptyBlobIsAnOrdinaryFile() async throws {
        try await Self.withFixture { fixture in
            try await fixture.putBlob("empty", Data())
            let started = ContinuousClock.now
            #expect(try await fixture.fuse.read(fixture.logical("empty")).isEmpty)
            #expect(try await fixture.fuse.read(fixture.logical("empty")).isEmpty)
            #expect(ContinuousClock.now - started < .seconds(5), "azfuse slept 10 s on empty files")
        }
    }

    @Test func missingBlobIsNotFoundNamingTheLogicalPath() async throws {
        try await Self.withFixture { fixture in
            let path = fixture.logical("nope/missing.txt")
            let error = try await #require(throws: AzFuseError.self) { try await fixture.fuse.read(path) }
            #expect(error.code == .notFound)
            #expect(error.path == path)
            #expect(error.blob?.name == "azfuse_data/nope/missing.txt")
            #expect(try fixture.cacheEntries().filter { !$0.hasSuffix("nope") }.isEmpty)
        }
    }

    /// prepare fetches every file in one batch, and a missing blob fails only its own path.
    @Test func prepareFetchesManyAndReportsEachMissingPath() async throws {
        try await Self.withFixture { fixture in
            for index in 0..<60 { try await fixture.putBlob("p/\(index).txt", Data("file \(index)".utf8)) }
            try await fixture.emulator.clearRequests()
            let progress = LockedValue<[TransferProgress]>([])
            let paths = (0..<60).lazy.map { fixture.logical("p/\($0).txt") } + [fixture.logical("p/missing.txt")]
            let error = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.prepare(paths) { report in progress.withLock { $0.append(report) } }
            }
            #expect(error.code == .notFound)
            #expect(error.fileErrors.map(\.path) == [fixture.logical("p/missing.txt")])
            #expect(error.description.contains("p/missing.txt"))
            for index in 0..<60 { #expect(try fixture.fuse.isCached(fixture.logical("p/\(index).txt"))) }
            #expect(progress.value.last == TransferProgress(completedFiles: 61, totalFiles: 61))
            #expect(await fixture.fuse.scheduler.statistics.batches[.native] == 1)

            try await fixture.emulator.clearRequests()
            try await fixture.fuse.prepare((0..<60).map { fixture.logical("p/\($0).txt") } + ["/unmapped/file"])
            #expect(try await fixture.emulator.requests().isEmpty, "cached and unmapped paths need no request")
            #expect(try await fixture.fuse.read(fixture.logical("p/7.txt")) == Data("file 7".utf8))
        }
    }

    @Test func transientServerErrorsAreRetried() async throws {
        try await Self.withFixture { fixture in
            try await fixture.putBlob("flaky.txt", Data("eventually".utf8))
            try await fixture.emulator.inject(
                .init(method: "GET", blob: "azfuse_data/flaky.txt", status: 503, count: 2))
            #expect(try await fixture.fuse.read(fixture.logical("flaky.txt")) == Data("eventually".utf8))
        }
    }

    @Test func expiredSASFailsClearlyWithoutHanging() async throws {
        let expire: (BlobEmulator, StorageAccount) throws -> StorageAccount = { _, account in
            let sas = try BlobClient(account: account).makeContainerSAS(
                permissions: "rl", expiresOn: Date(timeIntervalSinceNow: -3600),
                startsOn: Date(timeIntervalSinceNow: -7200))
            var expired = account
            expired.accountKey = nil
            expired.sasToken = sas
            return expired
        }
        try await Self.withFixture(account: expire) { fixture in
            try await fixture.putBlob("secret.txt", Data("x".utf8))
            let started = ContinuousClock.now
            let error = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.read(fixture.logical("secret.txt"))
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(error.code == .authenticationFailed)
            #expect(error.path == fixture.logical("secret.txt"))
            #expect(!error.description.contains("sig=") || error.description.contains("sig=REDACTED"))
        }
    }

    @Test func cancelledReadLeavesNoPartialFile() async throws {
        try await Self.withFixture { fixture in
            try await fixture.putBlob("slow.bin", Data(repeating: 7, count: 1 << 20))
            try await fixture.emulator.inject(
                .init(method: "GET", blob: "azfuse_data/slow.bin", count: 5, latencyMs: 10_000))
            let reader = Task { try await fixture.fuse.read(fixture.logical("slow.bin")) }
            // The download's temporary file exists once the latency rule holds its first GET.
            #expect(try await Polling.until { try await fixture.emulator.delayedRequests() > 0 })
            reader.cancel()
            let started = ContinuousClock.now
            await #expect(throws: (any Error).self) { try await reader.value }
            #expect(ContinuousClock.now - started < .seconds(5), "does not wait for the 10 s response")
            // The reader leaves at once; the cancelled download removes its temporary file just after.
            #expect(try await Polling.until(within: .seconds(5)) { try fixture.cacheEntries().isEmpty })
        }
    }

    @Test func clearCacheForcesAFreshDownload() async throws {
        try await Self.withFixture { fixture in
            try await fixture.putBlob("d/a.txt", Data("v1".utf8))
            try await fixture.putBlob("d/b.txt", Data("b".utf8))
            #expect(try await fixture.fuse.read(fixture.logical("d/a.txt")) == Data("v1".utf8))
            try await fixture.putBlob("d/a.txt", Data("v2".utf8))
            #expect(try await fixture.fuse.read(fixture.logical("d/a.txt")) == Data("v1".utf8), "cache is trusted")
            try await fixture.fuse.clearCache(fixture.logical("d/a.txt"))
            #expect(try await fixture.fuse.read(fixture.logical("d/a.txt")) == Data("v2".utf8))
            _ = try await fixture.fuse.read(fixture.logical("d/b.txt"))
            try await fixture.fuse.clearCache([fixture.logical("d")])
            #expect(try fixture.fuse.isCached(fixture.logical("d/b.txt")) == false)
            _ = try await fixture.fuse.read(fixture.logical("d/b.txt"))
            try await fixture.fuse.clearCache(fixture.logical(""))
            #expect(try fixture.cacheEntries().isEmpty)
            #expect(FileManager.default.fileExists(atPath: CacheLayout.internalFolder(cacheRoot: fixture.cacheRoot)))
        }
    }

    /// Concurrent misses from many tasks are coalesced: a lone first request, then one azcopy job for the rest.
    @Test(.enabled(if: AzCopyTestSupport.executable != nil, AzCopyTestSupport.missingReason))
    func concurrentMissesAreCoalescedIntoFewAzCopyJobs() async throws {
        try await Self.withFixture(transfer: TransferOptions(engine: .azcopy)) { fixture in
            for index in 0..<100 { try await fixture.putBlob("many/\(index).bin", Data("blob \(index)".utf8)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let data = try await fixture.fuse.read(fixture.logical("many/\(index).bin"))
                        #expect(data == Data("blob \(index)".utf8))
                    }
                }
                try await group.waitForAll()
            }
            let invocations = try #require(fixture.fuse.azcopy).invocations
            #expect(invocations >= 1 && invocations <= 2, "azcopy ran \(invocations) times for 100 concurrent misses")
        }
    }

    /// prepare through azcopy: one job, cache and remote folder names that differ, a missing blob reported alone.
    @Test(.enabled(if: AzCopyTestSupport.executable != nil, AzCopyTestSupport.missingReason))
    func prepareThroughAzCopyReportsEachMissingPath() async throws {
        try await Self.withFixture(transfer: TransferOptions(azcopyMinimumBatchSize: 10)) { fixture in
            for index in 0..<30 { try await fixture.putBlob("batch/\(index).txt", Data("item \(index)".utf8)) }
            let paths = (0..<30).map { fixture.logical("batch/\($0).txt") } + [fixture.logical("batch/absent.txt")]
            let error = try await #require(throws: AzFuseError.self) { try await fixture.fuse.prepare(paths) }
            #expect(error.fileErrors.map(\.path) == [fixture.logical("batch/absent.txt")])
            #expect(error.fileErrors.first?.code == .notFound)
            #expect(try #require(fixture.fuse.azcopy).invocations == 1)
            #expect(await fixture.fuse.scheduler.statistics.batches == [.azcopy: 1])
            for index in 0..<30 {
                #expect(
                    try await fixture.fuse.read(fixture.logical("batch/\(index).txt")) == Data("item \(index)".utf8))
            }
            #expect(try fixture.cacheEntries().filter { !$0.hasPrefix("batch") }.isEmpty, "no staging files leak")
        }
    }
}
