import Foundation
import Testing

@testable import AzFuse

/// `azfuse ls` with blob names that have no logical path.
@Suite struct ListCommandTests {
    @Test func lsSkipsBlobsWithoutALogicalPathAndWarnsOnStandardError() async throws {
        try await MetadataCommandTests.withSetup { setup in
            let container = setup.client.account.containerName
            for (name, content) in [
                ("azfuse_data/ok.txt", "ok"), ("azfuse_data/a/../ok.txt", "hostile"),
                ("azfuse_data/a//b", "hostile"), ("azfuse_data/../../CANARY.txt", "hostile"),
            ] {
                try await HostileBlobNameTests.putRaw(setup.emulator, container: container, name, content)
            }
            let result = try await setup.run(["ls", "--json", "-r", setup.logical("")])
            #expect(result.status == 0, "\(result.standardError)")
            let paths = try result.standardOutput.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["path"] as? String
            }
            #expect(paths == [setup.logical("ok.txt")])
            for name in ["azfuse_data/a/../ok.txt", "azfuse_data/a//b", "azfuse_data/../../CANARY.txt"] {
                #expect(result.standardError.contains("warning: skipped blob '\(name)'"), "\(result.standardError)")
            }
        }
    }
}
