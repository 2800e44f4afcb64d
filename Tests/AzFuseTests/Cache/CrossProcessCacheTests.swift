import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

/// Several processes sharing one cache: each missing blob is downloaded once, and a process killed mid-download
/// leaves no partial file under the final name.
@Suite(.serialized) struct CrossProcessCacheTests {
    /// Writes a mapping and a storage account file pointing at the emulator; returns the environment for `azfuse`.
    static func writeConfiguration(_ emulator: BlobEmulator, container: String) throws -> [String: String] {
        let folder = emulator.localPath("config")
        try FileManager.default.createDirectory(atPath: folder + "/accounts", withIntermediateDirectories: true)
        try """
        - local: \(emulator.localPath("data"))
          remote: azfuse_data
          cache: \(emulator.localPath("cache"))
          storage_account: emulator
        """.write(toFile: folder + "/azfuse.yaml", atomically: true, encoding: .utf8)
        try """
        account_name: \(BlobEmulator.accountName)
        container_name: \(container)
        account_key: \(BlobEmulator.accountKey)
        sas_token: null
        endpoint: \(emulator.endpoint.absoluteString)
        """.write(toFile: folder + "/accounts/emulator.yaml", atomically: true, encoding: .utf8)
        return [
            "AZFUSE_USE_FUSE": "1", "AZFUSE_CLOUD_FUSE_CONFIG_FILE": folder + "/azfuse.yaml",
            "AZFUSE_STORAGE_ACCOUNT_CONFIG_FOLDER": folder + "/accounts", "AZFUSE_TRANSFER_ENGINE": "native",
        ]
    }

    static func upload(_ client: BlobClient, _ emulator: BlobEmulator, name: String, content: Data) async throws {
        let source = emulator.localPath("upload-\(UUID().uuidString)")
        try content.write(to: URL(fileURLWithPath: source))
        defer { try? FileManager.default.removeItem(atPath: source) }
        _ = try await client.upload(from: source, to: "azfuse_data/\(name)")
    }

    @Test func fourProcessesDownloadEachMissingBlobOnce() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            let environment = try Self.writeConfiguration(emulator, container: client.account.containerName)
            let names = (0..<200).map { "f\($0).txt" }
            for name in names { try await Self.upload(client, emulator, name: name, content: Data(name.utf8)) }
            try await emulator.clearRequests()

            let paths = names.map { emulator.localPath("data/\($0)") }
            let processes = try (0..<4).map { index in
                try CommandRunner.start(
                    ["download"] + (index % 2 == 0 ? paths : paths.reversed()), environment: environment,
                    currentFolder: emulator.scratchDirectory)
            }
            for process in processes {
                let result = process.finish()
                #expect(result.status == 0, "\(result.standardError)")
            }
            let gets = try await emulator.requests().filter { $0.method == "GET" }
            let perBlob = Dictionary(grouping: gets, by: { $0.blob ?? "" }).mapValues(\.count)
            #expect(perBlob.count == 200)
            #expect(perBlob.values.allSatisfy { $0 == 1 }, "GETs per blob: \(perBlob.filter { $0.value != 1 })")
            for name in names {
                let cached = try Data(contentsOf: URL(fileURLWithPath: emulator.localPath("cache/\(name)")))
                #expect(cached == Data(name.utf8))
            }
        }
    }

    @Test func processKilledMidDownloadLeavesNoPartialFile() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            let environment = try Self.writeConfiguration(emulator, container: client.account.containerName)
            let content = Data((0..<(24 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            try await Self.upload(client, emulator, name: "big.bin", content: content)
            try await emulator.inject(.init(method: "GET", blob: "azfuse_data/big.bin", count: 50, latencyMs: 2000))
            let cachePath = emulator.localPath("cache/big.bin")
            let running = try CommandRunner.start(
                ["cat", emulator.localPath("data/big.bin")], environment: environment,
                currentFolder: emulator.scratchDirectory)
            // The request log is written when a response ends, so wait for a GET held by the latency rule instead:
            // while one is held, no range can have finished and nothing can have been published.
            #expect(try await Polling.until { try await emulator.delayedRequests() > 0 })
            kill(running.process.processIdentifier, SIGKILL)
            _ = running.finish()
            #expect(!FileManager.default.fileExists(atPath: cachePath), "a partial file is visible")
            let staging = CacheLayout.stagingRoot(cacheRoot: emulator.localPath("cache"))
            #expect(try Self.partialFiles(in: staging).count == 1, "the killed process left its partial file")

            try await emulator.clearFaults()
            let configuration = try AzFuseConfiguration.fromEnvironment(environment)
            let fuse = try AzFuseClient(configuration: configuration)
            #expect(try await fuse.read(emulator.localPath("data/big.bin")) == content)
            #expect(try Self.partialFiles(in: staging).isEmpty, "the next instance swept the dead process's staging")
        }
    }

    /// A process allowed only 64 open files still fetches 300 files: lock files are taken a bounded number at a time.
    @Test func lowOpenFileLimitDoesNotBreakLargeDownloads() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            let environment = try Self.writeConfiguration(emulator, container: client.account.containerName)
            let names = (0..<300).map { "limit/\($0).txt" }
            for name in names { try await Self.upload(client, emulator, name: name, content: Data(name.utf8)) }
            let azfuse = CommandRunner.productsDirectory.appendingPathComponent("azfuse").path
            let paths = names.map { emulator.localPath("data/\($0)") }
            let result = try CommandRunner.start(
                ["-c", "ulimit -n 64 && exec \"$0\" download \"$@\"", azfuse] + paths, environment: environment,
                currentFolder: emulator.scratchDirectory, executable: "/bin/sh"
            ).finish()
            #expect(result.status == 0, "\(result.standardError)")
            for name in names {
                let cached = try Data(contentsOf: URL(fileURLWithPath: emulator.localPath("cache/\(name)")))
                #expect(cached == Data(name.utf8))
            }
        }
    }

    /// The `.part` files below `folder`.
    static func partialFiles(in folder: String) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder)
        return (enumerator?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".part") }
    }
}
