import Foundation
import Testing

@testable import AzFuse

/// A cache folder that cannot be written: every operation's error names the logical path the caller used and the
/// cache folder, never AzFuse's internal lock or staging folders.
///
/// Tests run as root, which ignores permission bits, so the cache folder is made unusable by putting a regular file
/// where it should be: creating anything inside it fails with `ENOTDIR`, for root too.
@Suite struct UnwritableCacheTests {
    static func expectNamed(_ error: AzFuseError?, _ logical: String, cacheRoot: String) {
        guard let error else {
            Issue.record("no error")
            return
        }
        #expect(error.path == logical, "\(error)")
        #expect(error.description.contains(cacheRoot), "\(error)")
        #expect(!error.description.contains(CacheLayout.internalFolderName), "\(error)")
        #expect(error.description.contains("writable"), "\(error)")
    }

    @Test func readMissPrepareAndWriteNameTheLogicalPathAndTheCacheFolder() async throws {
        try await CacheReadTests.withFixture { fixture in
            try await fixture.putBlob("abc.txt", Data("hello".utf8))
            try Data("not a folder".utf8).write(to: URL(fileURLWithPath: fixture.cacheRoot))
            let logical = fixture.logical("abc.txt")

            let read = await #expect(throws: AzFuseError.self) { try await fixture.fuse.read(logical) }
            Self.expectNamed(read, logical, cacheRoot: fixture.cacheRoot)

            let localPath = await #expect(throws: AzFuseError.self) {
                try await fixture.fuse.withLocalPath(logical, .read) { _ in }
            }
            Self.expectNamed(localPath, logical, cacheRoot: fixture.cacheRoot)

            let prepare = await #expect(throws: AzFuseError.self) {
                try await fixture.fuse.prepare([logical, fixture.logical("other.txt")])
            }
            let fileErrors = prepare?.fileErrors ?? []
            Self.expectNamed(fileErrors.first ?? prepare, logical, cacheRoot: fixture.cacheRoot)

            let write = await #expect(throws: AzFuseError.self) {
                try await fixture.fuse.write(Data("new".utf8), to: fixture.logical("sub/new.txt"))
            }
            Self.expectNamed(write, fixture.logical("sub/new.txt"), cacheRoot: fixture.cacheRoot)
        }
    }

    @Test func lockFileErrorTextNamesTheCacheFolder() {
        let error = FileLock.creationError(path: "/c/root/.azfuse/locks/ab/abcdef.lock", code: EROFS)
        #expect(error.path == "/c/root")
        #expect(error.code == .permissionDenied)
        #expect(error.message.hasPrefix("the cache folder /c/root is not writable"))
        #expect(!error.message.contains(".azfuse"))
    }
}
