import Foundation
import Testing

@testable import AzFuse

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// exists, isFile, isFolder, size, metadata, access tier, readRange and signedURL against the emulator, and their
/// plain local behaviour for unmapped paths.
@Suite struct MetadataTests {
    @Test func existsIsFileAndIsDirectoryAskTheService() async throws {
        try await MetadataFixture.with { fixture in
            try await fixture.putBlob("azfuse_data/a.txt", "a")
            try await fixture.putBlob("azfuse_data/sub/b.txt", "b")
            let fuse = fixture.fuse
            #expect(try await fuse.exists(fixture.logical("a.txt")))
            #expect(try await fuse.isFile(fixture.logical("a.txt")))
            #expect(try await !fuse.isFolder(fixture.logical("a.txt")))
            #expect(try await fuse.exists(fixture.logical("sub")))
            #expect(try await !fuse.isFile(fixture.logical("sub")))
            #expect(try await fuse.isFolder(fixture.logical("sub/")))
            #expect(try await !fuse.exists(fixture.logical("missing")))
            #expect(try await !fuse.isFolder(fixture.logical("su")), "a name prefix is not a folder")
            #expect(try await fuse.isFolder(fixture.logical("")), "a mount's own folder is a folder")
            #expect(try await fuse.isFolder(fixture.rootLogical("azfuse_data")))
            #expect(try await fuse.isFile(fixture.rootLogical("azfuse_data/a.txt")))

            _ = try await fuse.read(fixture.logical("a.txt"))
            try await fixture.client.delete("azfuse_data/a.txt")
            #expect(try await !fuse.isFile(fixture.logical("a.txt")), "a cached copy of a deleted blob is no file")

            try fixture.writeLocal("f.txt", "local")
            #expect(try await fuse.isFile(fixture.local("f.txt")))
            #expect(try await fuse.isFolder(fixture.emulator.localPath("local")))
            #expect(try await !fuse.exists(fixture.local("nothing")))
        }
    }

    @Test func filesWaitingForTheirUploadExist() async throws {
        try await MetadataFixture.with { fixture in
            let fuse = fixture.fuse
            let path = fixture.logical("new/run/ckpt.bin")
            let content = Data(repeating: 1, count: 1234)
            try await fixture.emulator.inject(
                .init(method: "PUT", blob: "azfuse_data/new/run/ckpt.bin", count: 1, latencyMs: 1500))
            try await fuse.withAsyncUpload {
                try await fuse.write(content, to: path)
                #expect(try await !fixture.blobExists("azfuse_data/new/run/ckpt.bin"), "still uploading")
                #expect(try await fuse.exists(path))
                #expect(try await fuse.isFile(path))
                #expect(try await fuse.isFolder(fixture.logical("new")))
                #expect(try await fuse.isFolder(fixture.logical("new/run")))
                #expect(try await !fuse.isFolder(fixture.logical("ne")))
                #expect(try await fuse.size(of: path) == 1234, "the cached copy is the newest content")
                let top = try await fuse.list(fixture.logical(""))
                #expect(top.contains { $0.name == "new" && $0.kind == .folder }, "\(top)")
                let run = try await fuse.list(fixture.logical("new/run"))
                #expect(run.map(\.name) == ["ckpt.bin"])
                #expect(run.first?.size == 1234)
                let all = try await fuse.list(fixture.logical("new"), recursive: true)
                #expect(all.map(\.path) == [fixture.logical("new/run/ckpt.bin")])
                var walked: [String] = []
                for try await step in try fuse.walk(fixture.logical("new")) { walked += step.files.map(\.path) }
                #expect(walked == [fixture.logical("new/run/ckpt.bin")])
            }
            let listedAfter = try await fuse.list(fixture.logical("new/run"))
            #expect(listedAfter.map(\.name) == ["ckpt.bin"], "listed once, by the service, after the upload")
            #expect(try await fixture.blobExists("azfuse_data/new/run/ckpt.bin"))
            #expect(!fuse.uploads.pendingUploads.contains(try #require(try fuse.resolve(path).blob)))

            let other = try #require(try fuse.resolve(fixture.logical("queued/x.bin")).blob)
            fuse.uploads.pendingUploads.begin(other, record: "/journal/1.json")
            fuse.uploads.pendingUploads.begin(other, record: "/journal/1.json")
            fuse.uploads.pendingUploads.begin(other, record: "/journal/2.json")
            #expect(try await fuse.exists(fixture.logical("queued/x.bin")))
            fuse.uploads.pendingUploads.end(record: "/journal/1.json")
            #expect(try await fuse.exists(fixture.logical("queued")), "a second record is still pending")
            fuse.uploads.pendingUploads.end(record: "/journal/2.json")
            #expect(try await !fuse.exists(fixture.logical("queued/x.bin")))
            #expect(try await !fuse.isFolder(fixture.logical("queued")))
        }
    }

    @Test func sizeAsksTheServiceRatherThanAStaleCache() async throws {
        try await MetadataFixture.with { fixture in
            try await fixture.putBlob("azfuse_data/s.txt", "v1")
            #expect(try await fixture.fuse.read(fixture.logical("s.txt")) == Data("v1".utf8))
            try await fixture.putBlob("azfuse_data/s.txt", "version 2")
            #expect(try await fixture.fuse.size(of: fixture.logical("s.txt")) == 9)
            let missing = fixture.logical("nope.txt")
            let error = try await #require(throws: AzFuseError.self) { try await fixture.fuse.size(of: missing) }
            #expect(error.code == .notFound)
            #expect(error.path == missing)
            #expect(error.blob?.name == "azfuse_data/nope.txt")

            try fixture.writeLocal("l.txt", "12345")
            #expect(try await fixture.fuse.size(of: fixture.local("l.txt")) == 5)
            let localError = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.size(of: fixture.local("none"))
            }
            #expect(localError.code == .notFound)
            #expect(localError.path == fixture.local("none"))
        }
    }

    @Test func metadataRoundTripsAndClears() async throws {
        try await MetadataFixture.with { fixture in
            try await fixture.putBlob("azfuse_data/m.txt", "m")
            let path = fixture.logical("m.txt")
            #expect(try await fixture.fuse.metadata(of: path).isEmpty)
            try await fixture.fuse.setMetadata(["owner": "alice", "run_2": "x y"], for: path)
            #expect(try await fixture.fuse.metadata(of: path) == ["owner": "alice", "run_2": "x y"])
            #expect(try await fixture.fuse.read(path) == Data("m".utf8), "content unchanged")
            try await fixture.fuse.setMetadata([:], for: path)
            #expect(try await fixture.fuse.metadata(of: path).isEmpty)

            try await fixture.emulator.clearRequests()
            for bad in [["2x": "v"], ["a-b": "v"], ["": "v"], ["ok": "line\nbreak"], ["ok": "café"]] {
                let error = try await #require(throws: AzFuseError.self) {
                    try await fixture.fuse.setMetadata(bad, for: path)
                }
                #expect(error.code == .invalidArgument)
                #expect(error.path == path)
            }
            #expect(try await fixture.emulator.requests().isEmpty, "bad metadata is refused before any request")

            let missing = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.metadata(of: fixture.logical("gone"))
            }
            #expect(missing.code == .notFound)
            #expect(missing.path == fixture.logical("gone"))
            let setMissing = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.setMetadata(["a": "b"], for: fixture.logical("gone"))
            }
            #expect(setMissing.code == .notFound)
            let unmapped = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.metadata(of: fixture.local("x"))
            }
            #expect(unmapped.code == .unsupported)
            #expect(unmapped.path == fixture.local("x"))
        }
    }

    @Test func accessTierIsSetOnTheBlobAndIgnoredForLocalFiles() async throws {
        try await MetadataFixture.with { fixture in
            try await fixture.putBlob("azfuse_data/t.bin", "t")
            try await fixture.fuse.setAccessTier(.cold, for: fixture.logical("t.bin"))
            #expect(try await fixture.client.properties(of: "azfuse_data/t.bin").accessTier == "Cold")
            try await fixture.fuse.setAccessTier(.hot, for: fixture.logical("t.bin"))
            #expect(try await fixture.client.properties(of: "azfuse_data/t.bin").accessTier == "Hot")
            let missing = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.setAccessTier(.cool, for: fixture.logical("none"))
            }
            #expect(missing.code == .notFound)
            #expect(missing.path == fixture.logical("none"))

            try fixture.writeLocal("t.bin", "t")
            try await fixture.fuse.setAccessTier(.archive, for: fixture.local("t.bin"))
            let localMissing = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.setAccessTier(.archive, for: fixture.local("none"))
            }
            #expect(localMissing.code == .notFound)
        }
        #expect(try AccessTier(parsing: "ARCHIVE") == .archive)
        #expect(AccessTier.cold.description == "cold")
        #expect(throws: AzFuseError.self) { try AccessTier(parsing: "warm") }
    }

    @Test func readRangeReadsBytesWithoutCaching() async throws {
        try await MetadataFixture.with { fixture in
            let content = String((0..<1000).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            try await fixture.putBlob("azfuse_data/r.txt", content)
            let path = fixture.logical("r.txt")
            let bytes = Data(content.utf8)
            #expect(try await fixture.fuse.readRange(path, offset: 10, length: 20) == bytes[10..<30])
            #expect(try await fixture.fuse.readRange(path, offset: 990, length: 50) == bytes[990...])
            #expect(try await fixture.fuse.readRange(path, offset: 1000, length: 5).isEmpty)
            #expect(try await fixture.fuse.readRange(path, offset: 5, length: 0).isEmpty)
            #expect(try fixture.fuse.isCached(path) == false)

            let started = ContinuousClock.now
            let missing = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.readRange(fixture.logical("none"), offset: 0, length: 10)
            }
            #expect(missing.code == .notFound)
            #expect(missing.path == fixture.logical("none"))
            #expect(ContinuousClock.now - started < .seconds(5), "azfuse retried forever")
            let negative = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.readRange(path, offset: -1, length: 10)
            }
            #expect(negative.code == .invalidArgument)

            try fixture.writeLocal("r.txt", "0123456789")
            #expect(try await fixture.fuse.readRange(fixture.local("r.txt"), offset: 3, length: 4) == Data("3456".utf8))
            #expect(try await fixture.fuse.readRange(fixture.local("r.txt"), offset: 8, length: 4) == Data("89".utf8))
            let localMissing = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.readRange(fixture.local("none"), offset: 0, length: 1)
            }
            #expect(localMissing.code == .notFound)
        }
    }

    @Test func signedURLGrantsReadAccessToOneBlob() async throws {
        try await MetadataFixture.with { fixture in
            try await fixture.putBlob("azfuse_data/dir/u v.txt", "shared")
            let url = try fixture.fuse.signedURL(for: fixture.logical("dir/u v.txt"), expiresIn: .seconds(600))
            #expect(url.absoluteString.hasPrefix(fixture.emulator.endpoint.absoluteString + "/"))
            #expect(url.absoluteString.contains("/azfuse_data/dir/u%20v.txt?"))
            #expect(url.absoluteString.contains("sp=r&"))
            let (data, response) = try await URLSession.shared.data(from: url)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(data == Data("shared".utf8))

            let zero = try #require(throws: AzFuseError.self) {
                try fixture.fuse.signedURL(for: fixture.logical("x"), expiresIn: .zero)
            }
            #expect(zero.code == .invalidArgument)
            let unmapped = try #require(throws: AzFuseError.self) {
                try fixture.fuse.signedURL(for: fixture.local("x"))
            }
            #expect(unmapped.code == .unsupported)
        }
        try await MetadataFixture.with(account: MetadataFixture.sasOnly([.read, .list])) { fixture in
            let error = try #require(throws: AzFuseError.self) {
                try fixture.fuse.signedURL(for: fixture.logical("x.txt"))
            }
            #expect(error.code == .unsupported)
            #expect(error.path == fixture.logical("x.txt"))
            #expect(error.description.contains(BlobEmulator.accountName))
            #expect(error.description.contains("account_key"))
            #expect(!error.description.contains("sig="))
        }
    }

    @Test func readOnlyCredentialsAreRefusedWithPermissionDenied() async throws {
        try await MetadataFixture.with(account: MetadataFixture.sasOnly([.read, .list])) { fixture in
            try await fixture.putBlob("azfuse_data/p.txt", "p")
            let path = fixture.logical("p.txt")
            #expect(try await fixture.fuse.isFile(path))
            #expect(try await fixture.fuse.size(of: path) == 1)
            for operation in ["remove", "setMetadata", "setAccessTier"] {
                let error = try await #require(throws: AzFuseError.self) {
                    switch operation {
                    case "remove": try await fixture.fuse.remove(path)
                    case "setMetadata": try await fixture.fuse.setMetadata(["a": "b"], for: path)
                    default: try await fixture.fuse.setAccessTier(.cool, for: path)
                    }
                }
                #expect(error.code == .permissionDenied, "\(operation)")
                #expect(error.path == path)
                #expect(!error.description.contains("sig=") || error.description.contains("sig=REDACTED"))
            }
            #expect(try await fixture.blobExists("azfuse_data/p.txt"))
        }
    }
}
