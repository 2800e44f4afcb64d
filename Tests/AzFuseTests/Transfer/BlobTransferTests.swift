import AzFuse
import AzFuseBlobClient
import Foundation
import Testing

/// Downloads and uploads against the emulator: single and parallel, MD5 checks, restarts and cancellation.
@Suite(.serialized) struct BlobTransferTests {
    /// 64 KiB ranges and blocks, so a 1 MiB blob exercises the parallel paths.
    static let smallChunks = BlobClient.Configuration(
        retry: BlobEmulator.fastConfiguration.retry, downloadChunkSize: 64 << 10, singleUploadThreshold: 128 << 10,
        uploadBlockSize: 64 << 10, parallelism: 4)

    @Test func smallRoundTripStoresAndVerifiesMD5() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            let data = try TestFiles.writeRandom(emulator.localPath("in"), size: 5000)
            let uploaded = try await client.upload(from: emulator.localPath("in"), to: "dir/ünï côde?#%.bin")
            let downloaded = try await client.download("dir/ünï côde?#%.bin", to: emulator.localPath("out"))
            #expect(try TestFiles.read(emulator.localPath("out")) == data)
            #expect(downloaded.size == 5000)
            #expect(downloaded.contentMD5 == uploaded.contentMD5)
            #expect(downloaded.etag == uploaded.etag)
            #expect(try TestFiles.names(in: emulator.scratchDirectory) == ["in", "out"])
            let requests = try await emulator.requests().filter { $0.method == "PUT" && $0.blob != nil }
            #expect(requests.count == 1, "one Put Blob")
        }
    }

    @Test func emptyBlobRoundTrip() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            try TestFiles.writeRandom(emulator.localPath("in"), size: 0)
            _ = try await client.upload(from: emulator.localPath("in"), to: "empty")
            let properties = try await client.download("empty", to: emulator.localPath("out"))
            #expect(properties.size == 0)
            #expect(try TestFiles.read(emulator.localPath("out")).isEmpty)
        }
    }

    @Test func largeTransfersUseBlocksAndParallelRanges() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient(configuration: Self.smallChunks)
            let size = (1 << 20) + 12_345
            let data = try TestFiles.writeRandom(emulator.localPath("in"), size: size)
            try await emulator.clearRequests()
            let uploaded = try await client.upload(from: emulator.localPath("in"), to: "big", contentType: "x/y")
            let puts = try await emulator.requests().filter { $0.method == "PUT" }
            #expect(puts.filter { $0.query["comp"] == "block" }.count == 17)
            #expect(puts.filter { $0.query["comp"] == "blocklist" }.count == 1)

            let stored = try await client.properties(of: "big")
            #expect(stored.contentMD5 == uploaded.contentMD5)
            #expect(stored.contentMD5 != nil)
            #expect(stored.size == Int64(size))

            try await emulator.clearRequests()
            let downloaded = try await client.download("big", to: emulator.localPath("out"))
            #expect(try TestFiles.read(emulator.localPath("out")) == data)
            #expect(downloaded.contentMD5 == uploaded.contentMD5)
            #expect(downloaded.contentType == "x/y")
            #expect(try await emulator.requests().filter { $0.method == "GET" }.count == 17)
        }
    }

    @Test func wrongStoredMD5FailsAndLeavesNoFile() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient(configuration: Self.smallChunks)
            try TestFiles.writeRandom(emulator.localPath("in"), size: 300_000)
            try TestFiles.writeRandom(emulator.localPath("other"), size: 10, seed: 7)
            let wrongMD5 = try await client.upload(from: emulator.localPath("other"), to: "x").contentMD5!
            try await RawBlobRequests.putBlob(
                emulator: emulator, container: client.account.containerName, blob: "corrupt",
                body: TestFiles.read(emulator.localPath("in")), storedMD5: wrongMD5)
            let error = await #expect(throws: BlobError.self) {
                try await client.download("corrupt", to: emulator.localPath("out"))
            }
            #expect(error?.code == .integrityCheckFailed)
            #expect(error?.path == emulator.localPath("out"))
            #expect(try TestFiles.names(in: emulator.scratchDirectory) == ["in", "other"])
        }
    }

    @Test func truncatedBodiesAreRetriedThenReportedAsIntegrityFailures() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient(configuration: Self.smallChunks)
            let data = try TestFiles.writeRandom(emulator.localPath("in"), size: 200_000)
            _ = try await client.upload(from: emulator.localPath("in"), to: "t")
            let container = client.account.containerName

            try await emulator.inject(
                .init(method: "GET", container: container, blob: "t", count: 1, truncateAfterBytes: 1000))
            _ = try await client.download("t", to: emulator.localPath("once"))
            #expect(try TestFiles.read(emulator.localPath("once")) == data)

            try await emulator.inject(
                .init(method: "GET", container: container, blob: "t", count: 100, truncateAfterBytes: 1000))
            let error = await #expect(throws: BlobError.self) {
                try await client.download("t", to: emulator.localPath("out"))
            }
            #expect(error?.code == .integrityCheckFailed)
            #expect(try TestFiles.names(in: emulator.scratchDirectory) == ["in", "once"])
        }
    }

    @Test func blobChangingMidDownloadRestartsOnceThenGivesUp() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient(configuration: Self.smallChunks)
            let data = try TestFiles.writeRandom(emulator.localPath("in"), size: 300_000)
            _ = try await client.upload(from: emulator.localPath("in"), to: "moving")
            let container = client.account.containerName

            // The service answers 412 to an If-Match range GET when the ETag no longer matches.
            try await emulator.inject(.init(method: "GET", container: container, blob: "moving", status: 412, count: 1))
            try await emulator.clearRequests()
            _ = try await client.download("moving", to: emulator.localPath("out"))
            #expect(try TestFiles.read(emulator.localPath("out")) == data)
            let gets = try await emulator.requests().filter { $0.method == "GET" }
            #expect(gets.contains { $0.status == 412 })
            #expect(gets.filter { $0.status == 206 }.count == 5, "the five ranges were all fetched after the restart")

            try await emulator.inject(
                .init(method: "GET", container: container, blob: "moving", status: 412, count: 1000))
            let error = await #expect(throws: BlobError.self) {
                try await client.download("moving", to: emulator.localPath("out2"))
            }
            #expect(error?.code == .changedWhileReading)
            #expect(error?.httpStatus == 412)
            #expect(try TestFiles.names(in: emulator.scratchDirectory) == ["in", "out"])
        }
    }

    @Test func cancellationRemovesTheTemporaryFile() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient(configuration: Self.smallChunks)
            try TestFiles.writeRandom(emulator.localPath("in"), size: 1 << 20)
            _ = try await client.upload(from: emulator.localPath("in"), to: "slow")
            try await emulator.inject(
                .init(
                    method: "GET", container: client.account.containerName, blob: "slow", count: 1000, latencyMs: 5000)
            )
            let download = Task { try await client.download("slow", to: emulator.localPath("out")) }
            // The temporary file is created before the first GET, which the latency rule now holds.
            #expect(try await Polling.until { try await emulator.delayedRequests() > 0 })
            #expect(try TestFiles.names(in: emulator.scratchDirectory).contains { $0.hasSuffix(".part") })
            let started = ContinuousClock.now
            download.cancel()
            let result = await download.result
            #expect(started.duration(to: .now) < .seconds(2), "cancellation does not wait for the 5 s response")
            #expect(throws: BlobError.self) { try result.get() }
            #expect((try? result.get()) == nil)
            if case .failure(let error as BlobError) = result {
                #expect(error.code == .cancelled)
            }
            #expect(try TestFiles.names(in: emulator.scratchDirectory) == ["in"])
        }
    }

    @Test func uploadOfMissingFileIsNotFound() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            let error = await #expect(throws: BlobError.self) {
                try await client.upload(from: emulator.localPath("nope"), to: "x")
            }
            #expect(error?.code == .notFound)
            #expect(error?.path == emulator.localPath("nope"))
        }
    }
}
