import AzFuse
import AzFuseBlobClient
import Foundation
import Testing

/// Properties, listing, deletion and container creation against the emulator.
@Suite(.serialized) struct BlobClientOperationTests {
    @Test func propertiesReportSizeMD5TypeAndMetadata() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            let data = try TestFiles.writeRandom(emulator.localPath("f"), size: 1000)
            let uploaded = try await client.upload(
                from: emulator.localPath("f"), to: "dir/a b.txt", contentType: "text/plain", metadata: ["owner": "me"])
            let properties = try await client.properties(of: "dir/a b.txt")
            #expect(properties.size == Int64(data.count))
            #expect(properties.etag == uploaded.etag)
            #expect(properties.contentMD5 == uploaded.contentMD5)
            #expect(properties.contentType == "text/plain")
            // URLSession on Linux sends header names capitalized (X-Ms-Meta-Owner); Azure metadata names are
            // case-insensitive, so compare them that way.
            #expect(properties.metadata.first { $0.key.lowercased() == "owner" }?.value == "me")
            #expect(properties.lastModified != nil)
        }
    }

    @Test func listFollowsPagesAndFoldsPrefixes() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            try TestFiles.writeRandom(emulator.localPath("f"), size: 10)
            let names = ["a/1", "a/2", "a/b/3", "a/b/4", "a/c/5", "b/6", "top"]
            for name in names {
                _ = try await client.upload(from: emulator.localPath("f"), to: name)
            }
            let all = try await client.list()
            #expect(all.map(\.name) == names)
            let underA = try await client.list(prefix: "a/", delimiter: "/")
            #expect(underA.map(\.name) == ["a/1", "a/2", "a/b/", "a/c/"])
            #expect(underA.contains(.prefix("a/b/")))
            let topLevel = try await client.list(delimiter: "/")
            #expect(topLevel.map(\.name) == ["a/", "b/", "top"])
            if case .blob(_, let properties) = all.last {
                #expect(properties.size == 10)
            } else {
                Issue.record("expected a blob entry")
            }
        }
    }

    @Test func deleteThenNotFound() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            try TestFiles.writeRandom(emulator.localPath("f"), size: 10)
            _ = try await client.upload(from: emulator.localPath("f"), to: "gone")
            try await client.delete("gone")
            let error = await #expect(throws: BlobError.self) { try await client.properties(of: "gone") }
            #expect(error?.code == .notFound)
            #expect(error?.httpStatus == 404)
            #expect(error?.blob?.name == "gone")
            let deleteAgain = await #expect(throws: BlobError.self) { try await client.delete("gone") }
            #expect(deleteAgain?.code == .notFound)
            #expect(deleteAgain?.azureErrorCode == "BlobNotFound")
        }
    }

    @Test func creatingAnExistingContainerIsAConflict() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            let error = await #expect(throws: BlobError.self) { try await client.createContainer() }
            #expect(error?.code == .conflict)
            #expect(error?.azureErrorCode == "ContainerAlreadyExists")
        }
    }
}
