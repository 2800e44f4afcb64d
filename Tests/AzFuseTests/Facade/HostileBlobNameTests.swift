import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Blobs whose names cannot round-trip to a logical path (`a/../b.txt`, `./x`, `a//b`, `dir/`, `../../CANARY.txt`)
/// are never listed under a path that reads another blob or lies outside the mount.
@Suite struct HostileBlobNameTests {
    /// A unique canary name, because the folder above the emulator's scratch folder is shared by concurrent tests.
    static let canary = "CANARY-\(UUID().uuidString).txt"

    /// Every blob of the fixture container: full name → content (each content is unique).
    static func populate(_ fixture: MetadataFixture) async throws -> [String: String] {
        let blobs = [
            "azfuse_data/b.txt": "real b", "azfuse_data/a/../b.txt": "hostile dot-dot",
            "azfuse_data/x": "real x", "azfuse_data/./x": "hostile dot",
            "azfuse_data/a/b": "real a/b", "azfuse_data/a//b": "hostile double slash",
            "azfuse_data/dir": "real dir", "azfuse_data/dir/": "hostile trailing slash",
            "azfuse_data/marker/": "", "azfuse_data/marker/in.txt": "in marker",
            "../../\(canary)": "hostile canary", "azfuse_data/../../\(canary)": "hostile nested canary",
        ]
        for (name, content) in blobs { try await putRaw(fixture, name, content) }
        let stored = try await fixture.client.list(prefix: "", delimiter: nil).map(\.name)
        #expect(Set(stored) == Set(blobs.keys), "the emulator stores hostile names verbatim")
        return blobs
    }

    /// Stores a blob whatever its name (see ``RawBlobRequests/putBlob(emulator:container:blob:body:storedMD5:)``).
    static func putRaw(_ fixture: MetadataFixture, _ name: String, _ content: String) async throws {
        try await putRaw(fixture.emulator, container: fixture.client.account.containerName, name, content)
    }

    /// Stores a blob whatever its name, in `container` of the emulator.
    static func putRaw(_ emulator: BlobEmulator, container: String, _ name: String, _ content: String) async throws {
        try await RawBlobRequests.putBlob(
            emulator: emulator, container: container, blob: name, body: Data(content.utf8))
    }

    static let hostile: Set<String> = [
        "azfuse_data/a/../b.txt", "azfuse_data/./x", "azfuse_data/a//b", "azfuse_data/dir/", "../../\(canary)",
        "azfuse_data/../../\(canary)",
    ]

    /// Every listed file resolves to the blob it was listed for, with its cache file inside the mount's cache folder,
    /// and reads that blob's content.
    static func expectRoundTrip(
        _ entries: [FolderEntry], fixture: MetadataFixture, blobs: [String: String]
    ) async throws {
        for entry in entries where !entry.isFolder {
            let target = try #require(try fixture.fuse.resolve(entry.path).blob, "\(entry.path) is mapped")
            #expect(!hostile.contains(target.blobName), "\(entry.path) maps to a hostile name")
            #expect(target.cachePath.hasPrefix(target.cacheRoot + "/"))
            let content = try await fixture.fuse.read(entry.path)
            #expect(String(decoding: content, as: UTF8.self) == blobs[target.blobName], "\(entry.path)")
        }
    }

    @Test func recursiveListingsOnlyYieldPathsThatMapBack() async throws {
        try await MetadataFixture.with { fixture in
            let blobs = try await Self.populate(fixture)
            let data = try await fixture.fuse.list(fixture.logical(""), recursive: true)
            #expect(data.map(\.name) == ["a/b", "b.txt", "dir", "marker/in.txt", "x"])
            try await Self.expectRoundTrip(data, fixture: fixture, blobs: blobs)
            let root = try await fixture.fuse.list(fixture.rootLogical(""), recursive: true)
            #expect(
                root.map(\.name) == [
                    "azfuse_data/a/b", "azfuse_data/b.txt", "azfuse_data/dir", "azfuse_data/marker/in.txt",
                    "azfuse_data/x",
                ])
            try await Self.expectRoundTrip(root, fixture: fixture, blobs: blobs)
        }
    }

    @Test func folderListingsOnlyYieldFoldersThatMapBack() async throws {
        try await MetadataFixture.with { fixture in
            let blobs = try await Self.populate(fixture)
            let root = try await fixture.fuse.list(fixture.rootLogical(""))
            #expect(root.map(\.name) == ["azfuse_data"], "'..' is not a folder of the container root")
            let data = try await fixture.fuse.list(fixture.logical(""))
            #expect(data.map(\.name) == ["a", "b.txt", "dir", "dir", "marker", "x"])
            #expect(data.map(\.kind) == [.folder, .file, .file, .folder, .folder, .file])
            #expect(try await fixture.fuse.list(fixture.logical("a")).map(\.name) == ["b"])
            #expect(try await fixture.fuse.list(fixture.logical("dir")).isEmpty)
            var visited: [String] = []
            for try await step in try fixture.fuse.walk(fixture.rootLogical("")) {
                visited.append(step.folder)
                try await Self.expectRoundTrip(step.files, fixture: fixture, blobs: blobs)
                for folder in step.subfolders {
                    #expect(try fixture.fuse.resolve(folder.path).blob?.cachePath.contains("/../") == false)
                }
            }
            #expect(visited.allSatisfy { !$0.contains("/../") && !$0.contains("/./") && !$0.contains("//") })
            #expect(visited.count == 5, "\(visited)")
        }
    }

    @Test func preparingAndRewritingListedPathsWritesNothingOutside() async throws {
        try await MetadataFixture.with { fixture in
            _ = try await Self.populate(fixture)
            let outside = (fixture.emulator.scratchDirectory as NSString).deletingLastPathComponent + "/" + Self.canary
            defer { try? FileManager.default.removeItem(atPath: outside) }
            let listed =
                try await fixture.fuse.list(fixture.rootLogical(""), recursive: true)
                + fixture.fuse.list(fixture.logical(""), recursive: true)
            try await fixture.fuse.prepare(listed.map(\.path))
            for entry in listed {
                try await fixture.fuse.write(try await fixture.fuse.read(entry.path), to: entry.path)
            }
            #expect(!FileManager.default.fileExists(atPath: outside), "nothing is written outside the mount")
            let stored = try await fixture.client.list(prefix: "", delimiter: nil).map(\.name)
            #expect(Self.hostile.isSubset(of: stored), "hostile blobs are not touched")
            let cacheFiles = try FileManager.default.subpathsOfDirectory(atPath: fixture.emulator.localPath("cache"))
                .filter { !$0.hasPrefix(".azfuse") }
            #expect(Set(cacheFiles) == ["a", "a/b", "b.txt", "dir", "marker", "marker/in.txt", "x"])
        }
    }

    @Test func listingNamesTheSkippedBlobs() async throws {
        try await MetadataFixture.with { fixture in
            _ = try await Self.populate(fixture)
            let data = try await fixture.fuse.listing(fixture.logical(""), recursive: true)
            #expect(
                data.skippedBlobNames == [
                    "azfuse_data/../../\(Self.canary)", "azfuse_data/./x", "azfuse_data/a/../b.txt",
                    "azfuse_data/a//b", "azfuse_data/dir/",
                ], "the empty folder marker 'marker/' is not reported")
            let root = try await fixture.fuse.listing(fixture.rootLogical(""))
            #expect(root.skippedBlobNames == ["../"])
            let folder = try await fixture.fuse.listing(fixture.logical("a"))
            #expect(folder.skippedBlobNames == ["azfuse_data/a/../", "azfuse_data/a//"])
            var skipped: [String] = []
            for try await step in try fixture.fuse.walk(fixture.logical("")) { skipped += step.skippedBlobNames }
            #expect(skipped.contains("azfuse_data/dir/") && skipped.contains("azfuse_data/a//"))
        }
    }

    @Test func aPathUnderAnEarlierMountIsNotListedUnderALaterOne() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            let configuration = AzFuseConfiguration(
                mounts: [
                    Mount(
                        local: emulator.localPath("root/special"), remote: "elsewhere",
                        cache: emulator.localPath("special-cache"), storageAccount: "main"),
                    Mount(
                        local: emulator.localPath("root"), remote: "", cache: emulator.localPath("root-cache"),
                        storageAccount: "main"),
                ],
                storageAccounts: ["main": client.storageAccount])
            let fuse = try AzFuseClient(configuration: configuration)
            let fixture = MetadataFixture(emulator: emulator, client: client, fuse: fuse)
            try await Self.putRaw(fixture, "special/shadowed.txt", "shadowed")
            try await fixture.putBlob("plain.txt", "plain")
            let listing = try await fuse.listing(emulator.localPath("root"), recursive: true)
            #expect(listing.entries.map(\.name) == ["plain.txt"])
            #expect(listing.skippedBlobNames == ["special/shadowed.txt"])
        }
    }
}
