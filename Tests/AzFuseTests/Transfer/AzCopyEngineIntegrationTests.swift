import Foundation
import Glibc
import Synchronization
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

/// The azcopy engine with the real azcopy executable against the project's blob emulator.
///
/// Each azcopy job costs about 2 seconds, so these tests are few and each checks a lot.
@Suite(.serialized, .enabled(if: AzCopyTestSupport.executable != nil, AzCopyTestSupport.missingReason))
struct AzCopyEngineIntegrationTests {
    @Test func batchDownloadIntoUnrelatedFoldersFailsOnlyTheMissingBlob() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            let first = try TestFiles.writeRandom(emulator.localPath("first"), size: 3, seed: 1)
            let second = try TestFiles.writeRandom(emulator.localPath("second"), size: 300_000, seed: 2)
            try TestFiles.writeRandom(emulator.localPath("empty"), size: 0)
            _ = try await client.upload(from: emulator.localPath("first"), to: "remote/data/a.txt")
            _ = try await client.upload(from: emulator.localPath("second"), to: "remote/data/deeper/b 1+#.bin")
            _ = try await client.upload(from: emulator.localPath("empty"), to: "remote/elsewhere/empty")
            let containerURL = try client.authorizedURL(forBlobPrefix: "", permissions: "rl")
            let engine = AzCopyTestSupport.engine(workRoot: emulator.localPath("work"))
            let cache = emulator.localPath("cache")
            let items = [
                AzCopyEngine.DownloadItem(blobName: "remote/data/a.txt", destination: cache + "/x/first.txt"),
                AzCopyEngine.DownloadItem(blobName: "remote/missing.txt", destination: cache + "/missing.txt"),
                AzCopyEngine.DownloadItem(
                    blobName: "remote/data/deeper/b 1+#.bin",
                    destination: cache + "/completely/other/b.bin",
                    expectedSize: 300_000
                ),
                AzCopyEngine.DownloadItem(blobName: "remote/elsewhere/empty", destination: cache + "/empty"),
                AzCopyEngine.DownloadItem(
                    blobName: "remote/data/a.txt", destination: cache + "/wrong-size", expectedSize: 4),
            ]
            let summaries = Mutex<[AzCopyJobSummary]>([])
            let results = try await engine.download(items, from: containerURL) { summary in
                summaries.withLock { $0.append(summary) }
            }

            #expect(results.map(\.blobName) == items.map(\.blobName))
            #expect(results.map(\.succeeded) == [true, false, true, true, false])
            #expect(results[1].error?.code == .notFound)
            #expect(results[1].error?.blob?.name == "remote/missing.txt")
            #expect(results[4].error?.code == .integrityCheckFailed)
            #expect(try TestFiles.read(cache + "/x/first.txt") == first)
            #expect(try TestFiles.read(cache + "/completely/other/b.bin") == second)
            #expect(try TestFiles.read(cache + "/empty").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: cache + "/missing.txt"))
            #expect(!FileManager.default.fileExists(atPath: cache + "/wrong-size"))
            // "a.txt" appears twice, so it needs a second job: two jobs for five items, not five.
            #expect(engine.invocations.value == 2)
            #expect(summaries.withLock { $0.last?.jobStatus } == "Completed")
            #expect(try TestFiles.names(in: emulator.localPath("work")).isEmpty, "job folders are removed")
        }
    }

    @Test func batchUploadUnderBlobNamesUnrelatedToLocalNames() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            let one = try TestFiles.writeRandom(emulator.localPath("local-one.dat"), size: 10_000, seed: 3)
            let two = try TestFiles.writeRandom(emulator.localPath("local-two.dat"), size: 5, seed: 4)
            let containerURL = try client.authorizedURL(forBlobPrefix: "", permissions: "rcw")
            let engine = AzCopyTestSupport.engine(workRoot: emulator.localPath("work"))
            let results = try await engine.upload(
                [
                    .init(source: emulator.localPath("local-one.dat"), blobName: "uploads/2024/one ü.bin"),
                    .init(source: emulator.localPath("not-there.dat"), blobName: "uploads/never"),
                    .init(source: emulator.localPath("local-two.dat"), blobName: "two"),
                ],
                to: containerURL
            )

            #expect(results.map(\.succeeded) == [true, false, true])
            #expect(results[1].error?.code == .notFound)
            #expect(engine.invocations.value == 1)
            _ = try await client.download("uploads/2024/one ü.bin", to: emulator.localPath("check-one"))
            _ = try await client.download("two", to: emulator.localPath("check-two"))
            #expect(try TestFiles.read(emulator.localPath("check-one")) == one)
            #expect(try TestFiles.read(emulator.localPath("check-two")) == two)
            #expect(try await client.properties(of: "two").contentMD5 != nil, "--put-md5 stores Content-MD5")
            await #expect(throws: BlobError.self) { try await client.properties(of: "uploads/never") }
            #expect(try TestFiles.names(in: emulator.localPath("work")).isEmpty, "job folders are removed")
        }
    }

    @Test func expiredSASFailsEveryItemQuicklyWithoutLeakingTheSignature() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            try TestFiles.writeRandom(emulator.localPath("file"), size: 100)
            _ = try await client.upload(from: emulator.localPath("file"), to: "blob")
            let token = try client.makeContainerSAS(permissions: "racwdl", expiresOn: Date() - 3600)
            let signature = try #require(token.split(separator: "&").first { $0.hasPrefix("sig=") }?.dropFirst(4))
            let containerURL = try #require(
                URL(string: emulator.endpoint.absoluteString + "/" + client.account.containerName + "?" + token))
            let engine = AzCopyTestSupport.engine(workRoot: emulator.localPath("work"))
            let start = ContinuousClock.now

            let downloads = try await engine.download(
                [.init(blobName: "blob", destination: emulator.localPath("out"))],
                from: containerURL
            )
            let uploads = try await engine.upload(
                [
                    .init(source: emulator.localPath("file"), blobName: "new-1"),
                    .init(source: emulator.localPath("file"), blobName: "new-2"),
                ],
                to: containerURL
            )

            #expect(ContinuousClock.now - start < .seconds(15))
            for result in downloads + uploads {
                #expect(
                    result.error?.code == .authenticationFailed,
                    "\(result.error.map(String.init(describing:)) ?? "success")")
                #expect(result.error?.description.contains(String(signature)) == false)
            }
            #expect(!FileManager.default.fileExists(atPath: emulator.localPath("out")))
        }
    }

    @Test func cancellationStopsAzCopyAndLeavesNoPartialFile() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            try TestFiles.writeRandom(emulator.localPath("big"), size: 8 << 20)
            _ = try await client.upload(from: emulator.localPath("big"), to: "big.bin")
            // Every ranged read of the blob now takes 3 seconds, so the job is still running when cancelled.
            try await emulator.inject(.init(method: "GET", blob: "big.bin", count: -1, latencyMs: 3000))
            let containerURL = try client.authorizedURL(forBlobPrefix: "", permissions: "r")
            let workRoot = emulator.localPath("work")
            let engine = AzCopyTestSupport.engine(workRoot: workRoot)
            let destination = emulator.localPath("cache/big.bin")
            let task = Task {
                try await engine.download([.init(blobName: "big.bin", destination: destination)], from: containerURL)
            }
            // azcopy is transferring once the latency rule holds one of its GETs.
            #expect(try await Polling.until { try await emulator.delayedRequests() > 0 })
            #expect(!AzCopyTestSupport.processes(mentioning: workRoot).isEmpty)
            let start = ContinuousClock.now
            task.cancel()
            let error = await #expect(throws: AzFuseError.self) { try await task.value }
            #expect(error?.code == .cancelled)
            #expect(ContinuousClock.now - start < .seconds(3))
            #expect(AzCopyTestSupport.processes(mentioning: workRoot).isEmpty, "azcopy is gone")
            #expect(!FileManager.default.fileExists(atPath: destination))
            #expect(try TestFiles.names(in: workRoot).isEmpty, "the job folder is removed")
        }
    }
}

/// Locating azcopy and inspecting processes for the integration tests.
enum AzCopyTestSupport {
    /// azcopy from `AZFUSE_AZCOPY_PATH`, else `<package>/.tools/azcopy/azcopy`; nil when neither exists.
    static let executable: String? = {
        if let explicit = ProcessInfo.processInfo.environment[AzCopyLocator.pathVariable], !explicit.isEmpty {
            return AzCopyLocator.isExecutableFile(explicit) ? explicit : nil
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let installed = packageRoot.appendingPathComponent(".tools/azcopy/azcopy").path
        return AzCopyLocator.isExecutableFile(installed) ? installed : nil
    }()

    /// Why the integration tests are skipped.
    static let missingReason: Comment =
        "azcopy is not installed: run scripts/install-azcopy.sh or set AZFUSE_AZCOPY_PATH"

    /// An engine with the test azcopy and a short stall timeout.
    static func engine(workRoot: String) -> AzCopyEngine {
        var engine = AzCopyEngine(executable: executable!, workRoot: workRoot, environment: [:])
        engine.stallTimeout = .seconds(30)
        engine.terminationGracePeriod = .seconds(1)
        return engine
    }

    /// Process ids whose command line mentions `text`.
    static func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry), pid != getpid(),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let commandLine = String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            return commandLine.contains(text) ? pid : nil
        }
    }
}
