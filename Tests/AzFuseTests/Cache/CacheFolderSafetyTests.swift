import Foundation
import Testing

@testable import AzFuse

#if canImport(Glibc)
    import Glibc
#endif

/// Cache folders are created private and refused when a symbolic link, another user or a loose mode could redirect
/// AzFuse's writes (or serve planted files); nothing is ever written, uploaded or removed outside.
@Suite struct CacheFolderSafetyTests {
    /// The fixture's `data` mount cache folder, and an outside folder that must stay empty.
    struct Paths {
        let cache: String
        let outside: String
    }

    static func paths(_ fixture: MetadataFixture) throws -> Paths {
        let paths = Paths(cache: fixture.emulator.localPath("cache"), outside: fixture.emulator.localPath("outside"))
        try FileManager.default.createDirectory(atPath: paths.outside, withIntermediateDirectories: true)
        return paths
    }

    static func expectRefused(_ error: any Error, naming folder: String) {
        let error = error as? AzFuseError
        #expect(error?.code == .invalidConfiguration, "\(String(describing: error))")
        #expect(error?.message.contains(folder) == true, "\(String(describing: error))")
    }

    static func mode(_ path: String) -> mode_t {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_mode & 0o7777 : 0
    }

    @Test func aDirectorySymlinkPlantedInTheCacheStopsDownloadsAndWrites() async throws {
        try await MetadataFixture.with { fixture in
            let paths = try Self.paths(fixture)
            try await fixture.putBlob("azfuse_data/dir/f.txt", "remote")
            try await fixture.putBlob("azfuse_data/dir/g.txt", "remote")
            try FileManager.default.createDirectory(atPath: paths.cache, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: paths.cache + "/dir", withDestinationPath: paths.outside)

            await #expect(throws: AzFuseError.self) { try await fixture.fuse.read(fixture.logical("dir/f.txt")) }
            do {
                _ = try await fixture.fuse.read(fixture.logical("dir/f.txt"))
            } catch {
                Self.expectRefused(error, naming: paths.cache + "/dir")
                #expect((error as? AzFuseError)?.path == fixture.logical("dir/f.txt"))
                #expect((error as? AzFuseError)?.message.contains("remove the link") == true)
            }
            await #expect(throws: AzFuseError.self) { try await fixture.fuse.prepare([fixture.logical("dir/g.txt")]) }
            await #expect(throws: AzFuseError.self) {
                try await fixture.fuse.write(Data("new".utf8), to: fixture.logical("dir/new.txt"))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: paths.outside).isEmpty)
            #expect(!(try await fixture.blobExists("azfuse_data/dir/new.txt")))
        }
    }

    @Test func uploadFromTheCacheNeverFollowsPlantedLinks() async throws {
        try await MetadataFixture.with { fixture in
            let paths = try Self.paths(fixture)
            try Data("secret".utf8).write(to: URL(fileURLWithPath: paths.outside + "/secret.txt"))
            try FileManager.default.createDirectory(atPath: paths.cache, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: paths.cache + "/dir", withDestinationPath: paths.outside)
            try FileManager.default.createSymbolicLink(
                atPath: paths.cache + "/leak.txt", withDestinationPath: paths.outside + "/secret.txt")

            for name in ["dir/secret.txt", "leak.txt"] {
                let path = fixture.logical(name)
                await #expect(throws: AzFuseError.self, "\(name)") {
                    try await fixture.fuse.upload(localFile: try fixture.fuse.cachePath(for: path), to: path)
                }
                #expect(!(try await fixture.blobExists("azfuse_data/" + name)), "\(name) was not uploaded")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: paths.outside) == ["secret.txt"])
        }
    }

    @Test func clearingTheCacheNeverRemovesFilesThroughAPlantedLink() async throws {
        try await MetadataFixture.with { fixture in
            let paths = try Self.paths(fixture)
            try Data("keep".utf8).write(to: URL(fileURLWithPath: paths.outside + "/f.txt"))
            try FileManager.default.createDirectory(atPath: paths.cache, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: paths.cache + "/dir", withDestinationPath: paths.outside)
            await #expect(throws: AzFuseError.self) { try await fixture.fuse.clearCache(fixture.logical("dir/f.txt")) }
            #expect(FileManager.default.fileExists(atPath: paths.outside + "/f.txt"))
        }
    }

    @Test func aSymlinkedInternalFolderIsRefused() async throws {
        try await MetadataFixture.with { fixture in
            let paths = try Self.paths(fixture)
            try await fixture.putBlob("azfuse_data/f.txt", "remote")
            try FileManager.default.createDirectory(atPath: paths.cache, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                atPath: paths.cache + "/.azfuse", withDestinationPath: paths.outside)
            do {
                _ = try await fixture.fuse.read(fixture.logical("f.txt"))
                Issue.record("the read succeeded")
            } catch {
                Self.expectRefused(error, naming: paths.cache + "/.azfuse")
            }
            await #expect(throws: AzFuseError.self) {
                try await fixture.fuse.write(Data("new".utf8), to: fixture.logical("new.txt"))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: paths.outside).isEmpty)
        }
    }

    @Test func aSymlinkedLocksFolderIsRefused() async throws {
        try await MetadataFixture.with { fixture in
            let paths = try Self.paths(fixture)
            try await fixture.putBlob("azfuse_data/f.txt", "remote")
            try FileManager.default.createDirectory(
                atPath: paths.cache + "/.azfuse", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                atPath: paths.cache + "/.azfuse/locks", withDestinationPath: paths.outside)
            await #expect(throws: AzFuseError.self) { try await fixture.fuse.read(fixture.logical("f.txt")) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: paths.outside).isEmpty)
        }
    }

    @Test(arguments: ["owner", "mode", "symlink"])
    func anUnsafeCacheFolderIsRefusedEvenForAHit(problem: String) async throws {
        try await MetadataFixture.with { fixture in
            let paths = try Self.paths(fixture)
            // A planted "cached copy": serving it would hand out content the blob never had.
            let folder = problem == "symlink" ? paths.outside : paths.cache
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data("planted".utf8).write(to: URL(fileURLWithPath: folder + "/f.txt"))
            switch problem {
            case "owner": #expect(chown(paths.cache, 65534, 65534) == 0)
            case "mode": #expect(chmod(paths.cache, 0o777) == 0)
            default: try FileManager.default.createSymbolicLink(atPath: paths.cache, withDestinationPath: paths.outside)
            }
            do {
                _ = try await fixture.fuse.read(fixture.logical("f.txt"))
                Issue.record("the planted file was served")
            } catch {
                Self.expectRefused(error, naming: paths.cache)
                let message = (error as? AzFuseError)?.message ?? ""
                switch problem {
                case "owner": #expect(message.contains("chown") && message.contains("65534"), "\(message)")
                case "mode": #expect(message.contains("chmod 700 \(paths.cache)"), "\(message)")
                default: #expect(message.contains("symbolic link"), "\(message)")
                }
            }
            await #expect(throws: AzFuseError.self) {
                try await fixture.fuse.write(Data("new".utf8), to: fixture.logical("g.txt"))
            }
            #expect(!FileManager.default.fileExists(atPath: folder + "/g.txt"))
        }
    }

    @Test func aSubfolderWritableByOthersIsRefused() async throws {
        try await MetadataFixture.with { fixture in
            let paths = try Self.paths(fixture)
            try await fixture.putBlob("azfuse_data/sub/f.txt", "remote")
            try FileManager.default.createDirectory(atPath: paths.cache + "/sub", withIntermediateDirectories: true)
            #expect(chmod(paths.cache + "/sub", 0o777) == 0)
            do {
                _ = try await fixture.fuse.read(fixture.logical("sub/f.txt"))
                Issue.record("the read succeeded")
            } catch {
                Self.expectRefused(error, naming: paths.cache + "/sub")
            }
        }
    }

    @Test func newCacheFoldersArePrivate() async throws {
        try await MetadataFixture.with { fixture in
            try await fixture.putBlob("azfuse_data/deep/er/f.txt", "remote")
            // The mount's cache folder and a missing parent of it.
            let configuration = AzFuseConfiguration(
                mounts: [
                    Mount(
                        local: fixture.emulator.localPath("data"), remote: "azfuse_data",
                        cache: fixture.emulator.localPath("new/cache"), storageAccount: "main")
                ],
                storageAccounts: ["main": fixture.client.storageAccount])
            let fuse = try AzFuseClient(configuration: configuration)
            #expect(try await fuse.read(fixture.logical("deep/er/f.txt")) == Data("remote".utf8))
            for folder in ["new", "new/cache", "new/cache/deep", "new/cache/deep/er"] {
                #expect(Self.mode(fixture.emulator.localPath(folder)) == 0o700, "\(folder)")
            }
            try await fuse.write(Data("w".utf8), to: fixture.logical("written/w.txt"))
            #expect(Self.mode(fixture.emulator.localPath("new/cache/written")) == 0o700)
        }
    }

    @Test func safePathAcceptsOnlyRegularFilesReachedWithoutLinks() async throws {
        try await TemporaryDirectory.with { directory in
            let root = directory.file("root")
            try directory.write("in", to: "root/sub/file.txt")
            try directory.write("out", to: "outside/file.txt")
            try FileManager.default.createSymbolicLink(
                atPath: root + "/link", withDestinationPath: directory.file("outside"))
            try FileManager.default.createSymbolicLink(
                atPath: root + "/file-link.txt", withDestinationPath: root + "/sub/file.txt")
            #expect(SafePath.isRegularFile(root + "/sub/file.txt", inside: root))
            #expect(!SafePath.isRegularFile(root + "/link/file.txt", inside: root), "a folder link")
            #expect(!SafePath.isRegularFile(root + "/file-link.txt", inside: root), "a file link")
            #expect(!SafePath.isRegularFile(root + "/sub/../sub/file.txt", inside: root), "a '..' segment")
            #expect(!SafePath.isRegularFile(root + "/sub//file.txt", inside: root), "an empty segment")
            #expect(!SafePath.isRegularFile(directory.file("outside/file.txt"), inside: root), "outside")
            #expect(!SafePath.isRegularFile(root + "/sub", inside: root), "a folder")
            #expect(!SafePath.isRegularFile(root + "/sub/file.txt", inside: root + "/link"), "a linked root")
            #expect(chmod(root + "/sub", 0o777) == 0)
            #expect(!SafePath.isRegularFile(root + "/sub/file.txt", inside: root), "a folder others can write to")
            #expect(SafePath.relativeComponents(of: root + "/a/b", inside: root + "/") == ["a", "b"])
            #expect(SafePath.relativeComponents(of: root + "x/a", inside: root) == nil)
        }
    }
}
