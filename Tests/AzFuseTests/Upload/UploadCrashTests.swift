import Foundation
import Testing

@testable import AzFuse

/// A process killed (SIGKILL) while its uploads are queued loses nothing: the next instance on the same cache
/// uploads the newest content of every path.
@Suite(.serialized) struct UploadCrashTests {
    /// Runs the test writer with `writes` inside `withAsyncUpload` while uploads hang, waits until it has written
    /// them all, and kills it.
    static func writeAndKill(
        _ emulator: BlobEmulator, environment: [String: String], sharedMemory: String, writes: [(String, String)],
        latencyMs: Int = 30_000, killsItself: Bool = false, delayedBeforeKill: Int = 0
    ) async throws {
        try await emulator.inject(.init(method: "PUT", blobPrefix: "azfuse_data/", count: 1000, latencyMs: latencyMs))
        let running = try CommandRunner.start(
            [sharedMemory] + writes.map { "\(emulator.localPath("data/\($0.0)"))=\($0.1)" }, environment: environment,
            currentFolder: emulator.scratchDirectory, executable: "azfuse-test-writer")
        let ready = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let line = running.output.fileHandleForReading.availableData
                continuation.resume(returning: String(decoding: line, as: UTF8.self))
            }
        }
        // Kill only once the writer's requests reached the emulator (where they are held), so they arrive late.
        if delayedBeforeKill > 0 { try await emulator.waitUntilHolding(atLeast: delayedBeforeKill) }
        kill(running.process.processIdentifier, SIGKILL)
        let result = running.finish()
        if killsItself {
            #expect(!ready.hasPrefix("ready"), "the writer should have killed itself before finishing")
        } else {
            #expect(ready.hasPrefix("ready"), "writer said \(ready); stderr: \(result.standardError)")
        }
        try await emulator.clearFaults()
    }

    @Test func killedWriterUploadsAreResumedNewestContentOnly() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            let environment = try CrossProcessCacheTests.writeConfiguration(
                emulator, container: client.account.containerName)
            try await Self.writeAndKill(
                emulator, environment: environment, sharedMemory: "-",
                writes: [("ckpt-1.bin", "one"), ("latest.bin", "v1"), ("ckpt-2.bin", "two"), ("latest.bin", "v2")])
            let fuse = try AzFuseClient(configuration: try AzFuseConfiguration.fromEnvironment(environment))
            #expect(try await fuse.read(emulator.localPath("data/latest.bin")) == Data("v2".utf8))
            try await fuse.resumePendingUploads()
            for (name, content) in [("ckpt-1.bin", "one"), ("ckpt-2.bin", "two"), ("latest.bin", "v2")] {
                let destination = emulator.localPath("check-\(name)")
                _ = try await client.download("azfuse_data/\(name)", to: destination)
                #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Data(content.utf8))
            }
            let uploads = UploadJournal.uploadsFolder(cacheRoot: emulator.localPath("cache"))
            let left = FileManager.default.enumerator(atPath: uploads)?.compactMap { $0 as? String } ?? []
            #expect(left.filter { $0.hasSuffix(".json") || $0.hasSuffix(".data") }.isEmpty, "\(left)")
        }
    }

    @Test func killedSharedMemoryWriterIsResumedByTheNextScope() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            let environment = try CrossProcessCacheTests.writeConfiguration(
                emulator, container: client.account.containerName)
            let sharedMemory = "/dev/shm/azfuse-tests-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: sharedMemory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: sharedMemory) }
            try await Self.writeAndKill(
                emulator, environment: environment, sharedMemory: sharedMemory,
                writes: [("shm-a.bin", "a"), ("shm-b.bin", "b")])
            let staging = sharedMemory + "/azfuse-\(getuid())"
            #expect(UploadFixture.stagedFiles(in: staging).count == 2)

            let fuse = try AzFuseClient(configuration: try AzFuseConfiguration.fromEnvironment(environment))
            try await fuse.withAsyncUpload {}
            let report = try await fuse.resumePendingUploads()
            #expect(Set(report.uploaded) == Set(["shm-a.bin", "shm-b.bin"].map { emulator.localPath("data/\($0)") }))
            for (name, content) in [("shm-a.bin", "a"), ("shm-b.bin", "b")] {
                let destination = emulator.localPath("check-\(name)")
                _ = try await client.download("azfuse_data/\(name)", to: destination)
                #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Data(content.utf8))
                #expect(try await fuse.read(emulator.localPath("data/\(name)")) == Data(content.utf8))
            }
            #expect(UploadFixture.stagedFiles(in: staging).isEmpty)
        }
    }
}
