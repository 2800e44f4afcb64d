import Foundation
import Testing

@testable import AzFuse

/// The native engine reports each blob's outcome at that blob's position, a bounded number at a time (run in
/// release by `scripts/test.sh`, where a misplaced outcome would be silent).
@Suite struct NativeTransferEngineTests {
    @Test func downloadOutcomesArriveAtTheirBlobsPositions() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            let environment = try CrossProcessCacheTests.writeConfiguration(
                emulator, container: client.account.containerName)
            let fuse = try AzFuseClient(configuration: AzFuseConfiguration.fromEnvironment(environment))
            let names = (0..<60).map { "engine/\($0).txt" }
            for (index, name) in names.enumerated() where !index.isMultiple(of: 3) {
                try await CrossProcessCacheTests.upload(client, emulator, name: name, content: Data(name.utf8))
            }
            let targets = try names.map { try #require(fuse.resolve(emulator.localPath("data/\($0)")).blob) }
            let engine = NativeTransferEngine(
                clients: BlobClientPool(configuration: BlobEmulator.fastConfiguration), parallelism: 4,
                staging: StagingArea())

            let outcomes = await engine.download(targets)

            #expect(outcomes.count == names.count)
            for (index, outcome) in outcomes.enumerated() {
                if index.isMultiple(of: 3) {
                    #expect(throws: AzFuseError.self, "\(names[index]) does not exist") { try outcome.get() }
                    #expect(!FileManager.default.fileExists(atPath: targets[index].cachePath))
                } else {
                    #expect(throws: Never.self) { try outcome.get() }
                    let cached = try Data(contentsOf: URL(fileURLWithPath: targets[index].cachePath))
                    #expect(cached == Data(names[index].utf8))
                }
            }
        }
    }
}
