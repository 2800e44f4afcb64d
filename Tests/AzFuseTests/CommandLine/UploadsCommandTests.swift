import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

/// `azfuse uploads list|retry|discard` against the emulator, with a parked upload left by a read-only credential.
@Suite(.serialized) struct UploadsCommandTests {
    /// Writes `names` through an instance whose credential may only read, so their uploads are parked.
    static func park(_ setup: MetadataCommandTests.Setup, _ names: [String]) async throws {
        var configuration = try AzFuseConfiguration.fromEnvironment(setup.environment)
        var account = try #require(configuration.storageAccounts["emulator"])
        account.sasToken = try setup.client.makeContainerSAS(
            permissions: "rl", expiresOn: Date(timeIntervalSinceNow: 3600),
            startsOn: Date(timeIntervalSinceNow: -7200))
        account.accountKey = nil
        configuration.storageAccounts["emulator"] = account
        let readOnly = try AzFuseClient(configuration: configuration)
        for name in names {
            await #expect(throws: AzFuseError.self) {
                try await readOnly.write(Data("content of \(name)".utf8), to: setup.logical(name))
            }
        }
    }

    @Test func listRetryAndDiscard() async throws {
        try await MetadataCommandTests.withSetup { setup in
            try await Self.park(setup, ["kept.bin", "dropped.bin"])

            let list = try await setup.run(["uploads", "list"])
            #expect(list.status == 0, "\(list.standardError)")
            let lines = list.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.count == 2, "\(lines)")
            #expect(lines.allSatisfy { $0.hasPrefix("parked\t") && $0.contains("permissionDenied") }, "\(lines)")

            let json = try await setup.run(["uploads", "list", "--json"])
            let objects = try json.standardOutput.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            #expect(
                Set(objects.compactMap { $0["path"] as? String }) == [
                    setup.logical("kept.bin"), setup.logical("dropped.bin"),
                ])
            #expect(objects.allSatisfy { $0["state"] as? String == "parked" && $0["blob"] as? String != nil })

            let retry = try await setup.run(["uploads", "retry", setup.logical("kept.bin")])
            #expect(retry.status == 0, "\(retry.standardError)")
            #expect(retry.standardOutput == "uploaded\t\(setup.logical("kept.bin"))\n")

            let discard = try await setup.run(["uploads", "discard", setup.logical("dropped.bin")])
            #expect(discard.status == 0, "\(discard.standardError)")
            #expect(discard.standardOutput == "discarded\tparked\t\(setup.logical("dropped.bin"))\n")
            #expect(try await setup.run(["uploads", "list"]).standardOutput.isEmpty)
            #expect(FileManager.default.fileExists(atPath: setup.emulator.localPath("cache/dropped.bin")))

            let check = setup.emulator.localPath("check")
            _ = try await setup.client.download("azfuse_data/kept.bin", to: check)
            #expect(try Data(contentsOf: URL(fileURLWithPath: check)) == Data("content of kept.bin".utf8))
            await #expect(throws: BlobError.self) {
                _ = try await setup.client.properties(of: "azfuse_data/dropped.bin")
            }
        }
    }

    @Test func usageErrorsExitTwoWithOneLine() async throws {
        try await MetadataCommandTests.withSetup { setup in
            for arguments in [["uploads"], ["uploads", "discard"], ["uploads", "bogus"], ["uploads", "list", "x"]] {
                let result = try await setup.run(arguments)
                #expect(result.status == 2, "\(arguments)")
                #expect(result.standardError.split(separator: "\n").count == 1, "\(arguments): \(result.standardError)")
            }
            let help = try await setup.run(["uploads", "--help"])
            #expect(help.status == 0 && help.standardOutput.contains("azfuse uploads list"))
        }
    }
}
