import AzFuse
import AzFuseBlobClient
import Foundation
import Testing

/// A connection the service drops in the middle of a request costs about one backoff, not a request timeout: the
/// retry opens a new connection and resends the whole body.
@Suite(.serialized) struct DroppedConnectionTests {
    /// The default retry policy (0.8 s first backoff, 30 s per try) with 64 KiB ranges and blocks, so a 300 KiB
    /// blob takes Put Block, Put Block List and several ranged GETs.
    static let configuration = BlobClient.Configuration(
        downloadChunkSize: 64 << 10, singleUploadThreshold: 128 << 10, uploadBlockSize: 64 << 10, parallelism: 4)

    /// Far below the 30 s per-try timeout a retry on a dead connection would wait for.
    static let quickly = Duration.seconds(8)

    @Test(arguments: ["PutBlob", "PutBlock", "PutBlockList"])
    func uploadsRecoverWithTheWholeBody(operation: String) async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient(configuration: Self.configuration)
            // Warm the pool: earlier requests leave idle connections a retry could pick up.
            try TestFiles.writeRandom(emulator.localPath("warm"), size: 1000, seed: 1)
            _ = try await client.upload(from: emulator.localPath("warm"), to: "warm")
            let size = operation == "PutBlob" ? 100_000 : 300_000
            let data = try TestFiles.writeRandom(emulator.localPath("in"), size: size, seed: 7)
            try await emulator.inject(.init(count: 1, operation: operation, dropAfterRequestBytes: 100))
            try await emulator.clearRequests()
            let started = ContinuousClock.now
            _ = try await client.upload(from: emulator.localPath("in"), to: "up")
            #expect(started.duration(to: .now) < Self.quickly)
            _ = try await client.download("up", to: emulator.localPath("out"))
            #expect(try TestFiles.read(emulator.localPath("out")) == data)
            let attempts = try await emulator.requests().filter { $0.operation == operation }
            // The log is written after each request, so the dropped one may be logged after its quick retry.
            #expect(attempts.filter { $0.status == 0 }.count == 1, "one attempt was dropped: \(attempts)")
            #expect(attempts.filter { $0.status != 0 }.allSatisfy { $0.status == 201 }, "\(attempts)")
            if operation != "PutBlockList" {
                let stored = attempts.filter { $0.status == 201 }.map { $0.bytesIn ?? 0 }.reduce(0, +)
                #expect(stored == size, "every body went out whole: \(attempts)")
            }
        }
    }

    @Test(arguments: ["GetBlob", "GetBlobProperties", "ListBlobs"])
    func readsRecover(operation: String) async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient(configuration: Self.configuration)
            let data = try TestFiles.writeRandom(emulator.localPath("in"), size: 300_000, seed: 9)
            _ = try await client.upload(from: emulator.localPath("in"), to: "down")
            try await emulator.inject(.init(count: 1, operation: operation, dropAfterRequestBytes: 0))
            try await emulator.clearRequests()
            let started = ContinuousClock.now
            switch operation {
            case "GetBlob":
                _ = try await client.download("down", to: emulator.localPath("out"))
                #expect(try TestFiles.read(emulator.localPath("out")) == data)
            case "GetBlobProperties":
                #expect(try await client.properties(of: "down").size == 300_000)
            default:
                #expect(try await client.list().map(\.name) == ["down"])
            }
            #expect(started.duration(to: .now) < Self.quickly)
            let attempts = try await emulator.requests().filter { $0.operation == operation }
            #expect(attempts.filter { $0.status == 0 }.count == 1, "one attempt was dropped: \(attempts)")
            #expect(attempts.contains { (200..<300).contains($0.status) }, "\(attempts)")
        }
    }

    @Test func aBodyCutShortIsFetchedAgain() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient(configuration: Self.configuration)
            let data = try TestFiles.writeRandom(emulator.localPath("in"), size: 300_000, seed: 3)
            _ = try await client.upload(from: emulator.localPath("in"), to: "cut")
            try await emulator.inject(.init(count: 3, truncateAfterBytes: 1000, operation: "GetBlob"))
            let started = ContinuousClock.now
            _ = try await client.download("cut", to: emulator.localPath("out"))
            #expect(started.duration(to: .now) < Self.quickly)
            #expect(try TestFiles.read(emulator.localPath("out")) == data)
        }
    }
}
