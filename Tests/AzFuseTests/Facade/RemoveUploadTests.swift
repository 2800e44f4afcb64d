import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

/// remove, removeTree and upload(localFile:to:) against the emulator, and on local files.
@Suite struct RemoveUploadTests {
    @Test func removeDeletesTheBlobAndItsCachedCopy() async throws {
        try await MetadataFixture.with { fixture in
            try await fixture.putBlob("azfuse_data/r.txt", "r")
            let path = fixture.logical("r.txt")
            _ = try await fixture.fuse.read(path)
            try await fixture.fuse.remove(path)
            #expect(try await !fixture.blobExists("azfuse_data/r.txt"))
            #expect(try fixture.fuse.isCached(path) == false)

            let again = try await #require(throws: AzFuseError.self) { try await fixture.fuse.remove(path) }
            #expect(again.code == .notFound)
            #expect(again.path == path)
            #expect(again.blob?.name == "azfuse_data/r.txt")

            let root = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.remove(fixture.logical(""))
            }
            #expect(root.code == .invalidArgument)

            try fixture.writeLocal("gone.txt", "x")
            try await fixture.fuse.remove(fixture.local("gone.txt"))
            #expect(!FileManager.default.fileExists(atPath: fixture.local("gone.txt")))
            let localMissing = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.remove(fixture.local("gone.txt"))
            }
            #expect(localMissing.code == .notFound)
            let folder = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.remove(fixture.emulator.localPath("local"))
            }
            #expect(folder.code == .invalidArgument)
        }
    }

    @Test func removeOfAMissingBlobStillDropsAStaleCachedCopy() async throws {
        try await MetadataFixture.with { fixture in
            try await fixture.putBlob("azfuse_data/stale.txt", "s")
            let path = fixture.logical("stale.txt")
            _ = try await fixture.fuse.read(path)
            try await fixture.client.delete("azfuse_data/stale.txt")
            let error = try await #require(throws: AzFuseError.self) { try await fixture.fuse.remove(path) }
            #expect(error.code == .notFound)
            #expect(try fixture.fuse.isCached(path) == false)
        }
    }

    @Test func removeTreeDeletesEveryBlobBelowTheFolderOnly() async throws {
        try await MetadataFixture.with(ownEmulator: true) { fixture in
            for index in 0..<40 { try await fixture.putBlob("azfuse_data/tree/\(index % 4)/f\(index).txt", "x") }
            try await fixture.putBlob("azfuse_data/tree.txt", "sibling")
            try await fixture.putBlob("azfuse_data/treetop/keep.txt", "keep")
            _ = try await fixture.fuse.read(fixture.logical("tree/1/f1.txt"))
            try await fixture.emulator.setMaxListResults(7)
            let progress = LockedValue<[TransferProgress]>([])
            let count = try await fixture.fuse.removeTree(fixture.logical("tree")) { report in
                progress.withLock { $0.append(report) }
            }
            #expect(count == 40)
            #expect(progress.value.count == 40)
            #expect(progress.value.last == TransferProgress(completedFiles: 40, totalFiles: 40))
            #expect(
                try await fixture.client.list(prefix: "azfuse_data/").map(\.name) == [
                    "azfuse_data/tree.txt", "azfuse_data/treetop/keep.txt",
                ])
            #expect(!FileManager.default.fileExists(atPath: fixture.emulator.localPath("cache/tree")))

            let again = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.removeTree(fixture.logical("tree"))
            }
            #expect(again.code == .notFound)
            #expect(again.path == fixture.logical("tree"))

            try fixture.writeLocal("lt/a/b.txt", "1")
            try fixture.writeLocal("lt/c.txt", "2")
            #expect(try await fixture.fuse.removeTree(fixture.local("lt")) == 2)
            #expect(!FileManager.default.fileExists(atPath: fixture.local("lt")))
        }
    }

    @Test func removeTreeReportsEachBlobItCouldNotDelete() async throws {
        try await MetadataFixture.with(account: MetadataFixture.sasOnly([.read, .list])) { fixture in
            for index in 0..<3 { try await fixture.putBlob("azfuse_data/ro/\(index)", "x") }
            let error = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.removeTree(fixture.logical("ro"))
            }
            #expect(error.code == .permissionDenied)
            #expect(error.path == fixture.logical("ro"))
            #expect(Set(error.fileErrors.compactMap(\.path)) == Set((0..<3).map { fixture.logical("ro/\($0)") }))
            #expect(try await fixture.client.list(prefix: "azfuse_data/ro/").count == 3)
        }
    }

    @Test func uploadReplacesTheBlobAndTheCachedCopy() async throws {
        try await MetadataFixture.with { fixture in
            try await fixture.putBlob("azfuse_data/u.txt", "old")
            let path = fixture.logical("u.txt")
            #expect(try await fixture.fuse.read(path) == Data("old".utf8))
            try fixture.writeLocal("source.txt", "new content")
            try await fixture.fuse.upload(localFile: fixture.local("source.txt"), to: path)
            try await fixture.emulator.clearRequests()
            #expect(try await fixture.fuse.read(path) == Data("new content".utf8))
            #expect(try await fixture.emulator.requests().isEmpty, "the cached copy was updated")
            let cachePath = try fixture.fuse.cachePath(for: path)
            let mode = try FileManager.default.attributesOfItem(atPath: cachePath)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(try await fixture.client.properties(of: "azfuse_data/u.txt").size == 11)

            try await fixture.fuse.upload(localFile: fixture.local("source.txt"), to: fixture.logical("n/e/w.txt"))
            #expect(try await fixture.blobExists("azfuse_data/n/e/w.txt"))

            try await fixture.fuse.upload(localFile: fixture.local("source.txt"), to: fixture.local("copy/c.txt"))
            #expect(try TestFiles.read(fixture.local("copy/c.txt")) == Data("new content".utf8))

            let missing = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.upload(localFile: fixture.local("absent"), to: path)
            }
            #expect(missing.code == .notFound)
            #expect(missing.path == fixture.local("absent"))
            let folder = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.upload(localFile: fixture.local("copy"), to: path)
            }
            #expect(folder.code == .invalidArgument)
        }
    }

    @Test func uploadWithoutWritePermissionLeavesTheCacheAlone() async throws {
        try await MetadataFixture.with(account: MetadataFixture.sasOnly([.read, .list])) { fixture in
            try await fixture.putBlob("azfuse_data/w.txt", "original")
            let path = fixture.logical("w.txt")
            _ = try await fixture.fuse.read(path)
            try fixture.writeLocal("w.txt", "changed")
            let error = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.upload(localFile: fixture.local("w.txt"), to: path)
            }
            #expect(error.code == .permissionDenied)
            #expect(error.path == path)
            #expect(try await fixture.fuse.read(path) == Data("original".utf8))
        }
    }

    /// A remove or an upload issued while an asynchronous upload of the same blob is queued happens after it, so the
    /// queued upload cannot bring the old content back.
    @Test func removeAndUploadWaitForAQueuedUploadOfTheSameBlob() async throws {
        try await MetadataFixture.with { fixture in
            try await fixture.emulator.inject(
                .init(method: "PUT", blobPrefix: "azfuse_data/q", count: 2, latencyMs: 800))
            try fixture.writeLocal("replacement.txt", "replacement")
            try await fixture.fuse.withAsyncUpload {
                try await fixture.fuse.write(Data("queued".utf8), to: fixture.logical("q/removed.txt"))
                try await fixture.fuse.write(Data("queued".utf8), to: fixture.logical("q/replaced.txt"))
                try await fixture.fuse.remove(fixture.logical("q/removed.txt"))
                try await fixture.fuse.upload(
                    localFile: fixture.local("replacement.txt"), to: fixture.logical("q/replaced.txt"))
            }
            #expect(try await !fixture.blobExists("azfuse_data/q/removed.txt"), "the queued upload did not recreate it")
            let replaced = try await fixture.client.read("azfuse_data/q/replaced.txt", offset: 0, length: 11)
            #expect(replaced == Data("replacement".utf8))
            #expect(try await fixture.fuse.read(fixture.logical("q/replaced.txt")) == Data("replacement".utf8))
        }
    }
}
