import Foundation
import Glibc
import Testing

@testable import AzFuse

/// The azcopy engine's pure parts: blob name layout, locating azcopy, error classification, file staging.
@Suite struct AzCopyEngineUnitTests {
    @Test func blobNamesMustBeCleanRelativePaths() {
        #expect(BlobNameLayout.problem(with: "data/a b/ü?#%.txt") == nil)
        for bad in ["", "/abs", "dir/", "a//b", "a/./b", "../escape", "a/..", "line\nbreak"] {
            #expect(BlobNameLayout.problem(with: bad) != nil, "\(bad)")
        }
        #expect(BlobNameLayout.problem(with: String(repeating: "n", count: 256)) != nil)
    }

    @Test func collidingNamesGoToLaterRounds() {
        #expect(BlobNameLayout.conflictFreeRounds(["a/1", "a/2", "b"]) == [[0, 1, 2]])
        #expect(BlobNameLayout.conflictFreeRounds(["a", "a/b", "a/b/c", "x", "a"]) == [[0, 3], [1], [2], [4]])
        #expect(BlobNameLayout.conflictFreeRounds(["a/b/c", "a/b", "a"]) == [[0], [1], [2]])
        #expect(BlobNameLayout.conflictFreeRounds([]) == [])
    }

    @Test func locatorPrefersTheExplicitPathThenHomeThenPATH() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let home = root + "/home"
        let onPath = root + "/bin"
        let conventional = home + "/code/azcopy/azcopy"
        try makeExecutable(onPath + "/azcopy")
        #expect(
            try AzCopyLocator.locate(environment: ["HOME": home, "PATH": "/nonexistent:" + onPath]) == onPath
                + "/azcopy")
        try makeExecutable(conventional)
        #expect(try AzCopyLocator.locate(environment: ["HOME": home, "PATH": onPath]) == conventional)
        let explicit = root + "/explicit-azcopy"
        try makeExecutable(explicit)
        let environment = ["AZFUSE_AZCOPY_PATH": explicit, "HOME": home, "PATH": onPath]
        #expect(try AzCopyLocator.locate(environment: environment) == explicit)
    }

    @Test func locatorErrorsAreClear() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Present but not executable.
        _ = FileManager.default.createFile(atPath: root + "/azcopy", contents: Data("#!/bin/sh\n".utf8))
        let missing = #expect(throws: AzFuseError.self) {
            try AzCopyLocator.locate(environment: ["HOME": root, "PATH": root])
        }
        #expect(missing?.code == .transferFailed)
        #expect(
            missing?.message == "azcopy not found; install it with scripts/install-azcopy.sh or set AZFUSE_AZCOPY_PATH")
        let wrong = #expect(throws: AzFuseError.self) {
            try AzCopyLocator.locate(environment: ["AZFUSE_AZCOPY_PATH": root + "/azcopy", "PATH": "/usr/bin"])
        }
        #expect(wrong?.message.contains("AZFUSE_AZCOPY_PATH is set to") == true)
    }

    @Test func failureClassification() {
        #expect(AzCopyFailureClassifier.code(httpStatus: 403, serviceCode: nil) == .authenticationFailed)
        #expect(
            AzCopyFailureClassifier.code(
                httpStatus: 403, serviceCode: nil, jobServiceCodes: ["AuthorizationPermissionMismatch"])
                == .permissionDenied
        )
        #expect(AzCopyFailureClassifier.code(httpStatus: 403, serviceCode: "AuthorizationFailure") == .permissionDenied)
        #expect(AzCopyFailureClassifier.code(httpStatus: 404, serviceCode: nil) == .notFound)
        #expect(AzCopyFailureClassifier.code(httpStatus: 412, serviceCode: nil) == .changedWhileReading)
        #expect(AzCopyFailureClassifier.code(httpStatus: 503, serviceCode: nil) == .throttled)
        #expect(AzCopyFailureClassifier.code(httpStatus: 500, serviceCode: nil) == .serviceError)
        #expect(AzCopyFailureClassifier.code(httpStatus: nil, serviceCode: nil) == .transferFailed)
    }

    @Test func containerLocationFromPathAndHostStyleURLs() throws {
        let pathStyle = ContainerLocation(try #require(URL(string: "http://127.0.0.1:10000/devstoreaccount1/c?sig=x")))
        #expect(pathStyle.blob("a/b") == .init(account: "devstoreaccount1", container: "c", name: "a/b"))
        let hostStyle = ContainerLocation(try #require(URL(string: "https://acct.blob.core.windows.net/data?sv=1")))
        #expect(hostStyle.blob("x") == .init(account: "acct", container: "data", name: "x"))
    }

    @Test func stagingLinksOrCopiesAndMovesAtomically() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = FileManager.default.createFile(atPath: root + "/source", contents: Data("payload".utf8))
        try LocalFiles.linkOrCopy(root + "/source", to: root + "/stage/deep/name")
        var first = stat()
        var second = stat()
        stat(root + "/source", &first)
        stat(root + "/stage/deep/name", &second)
        #expect(first.st_ino == second.st_ino, "a hard link on the same file system")
        #expect(throws: AzFuseError.self) { try LocalFiles.linkOrCopy(root + "/absent", to: root + "/stage/x") }
        #expect(throws: AzFuseError.self) { try LocalFiles.linkOrCopy(root + "/stage", to: root + "/stage/y") }

        try LocalFiles.moveAtomically(from: root + "/stage/deep/name", to: root + "/out/a/b/file")
        #expect(FileManager.default.contents(atPath: root + "/out/a/b/file") == Data("payload".utf8))
        #expect(!FileManager.default.fileExists(atPath: root + "/stage/deep/name"))
        #expect(LocalFiles.regularFileSize(at: root + "/out/a/b/file") == 7)
        #expect(LocalFiles.regularFileSize(at: root + "/out") == nil)
    }

    @Test func jobFolderIsPrivateAndMapsStagingPaths() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = try AzCopyJobFolder.create(in: root + "/work")
        var info = stat()
        stat(folder.root, &info)
        #expect(info.st_mode & 0o777 == 0o700)
        #expect(folder.blobName(forStagingPath: folder.stagingPath(for: "a/b c")) == "a/b c")
        #expect(folder.blobName(forStagingPath: "/elsewhere/a") == nil)
        try folder.writeListOfFiles(["a", "b/c"])
        #expect(FileManager.default.contents(atPath: folder.listOfFiles) == Data("a\nb/c\n".utf8))
        folder.remove()
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/work").isEmpty)
    }

    @Test func silentAzCopyIsStoppedByTheWatchdog() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A stand-in for azcopy retrying an unreachable endpoint: it prints nothing and never ends.
        let fake = root + "/azcopy"
        _ = FileManager.default.createFile(
            atPath: fake,
            contents: Data("#!/bin/sh\nexec sleep 30\n".utf8),
            attributes: [.posixPermissions: 0o755]
        )
        var engine = AzCopyEngine(executable: fake, workRoot: root + "/work", environment: [:])
        engine.stallTimeout = .milliseconds(300)
        let start = ContinuousClock.now
        let error = await #expect(throws: AzFuseError.self) {
            try await engine.download(
                [.init(blobName: "a", destination: root + "/a")],
                from: URL(string: "http://127.0.0.1:1/devstoreaccount1/c?sv=1&sig=SECRET")!
            )
        }
        #expect(error?.code == .transport)
        #expect(error?.description.contains("printed nothing") == true)
        #expect(error?.description.contains("SECRET") == false, "the command line in the message is redacted")
        #expect(ContinuousClock.now - start < .seconds(25), "stopped before the fake azcopy's 30 s sleep ends")
        #expect(engine.invocations.value == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/work").isEmpty)
    }

    @Test func azCopyFailingWithoutASummaryFailsEveryItem() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fake = root + "/azcopy"
        let script = "#!/bin/sh\necho 'Error: unknown flag: --as-subdir'\necho 'a detail' >&2\nexit 1\n"
        _ = FileManager.default.createFile(
            atPath: fake, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755])
        _ = FileManager.default.createFile(atPath: root + "/src", contents: Data("x".utf8))
        let engine = AzCopyEngine(executable: fake, workRoot: root + "/work", environment: [:])
        let results = try await engine.upload(
            [.init(source: root + "/src", blobName: "one"), .init(source: root + "/src", blobName: "two")],
            to: URL(string: "http://127.0.0.1:1/devstoreaccount1/c?sv=1&sig=SECRET")!
        )
        for result in results {
            #expect(result.error?.code == .transferFailed)
            #expect(result.error?.message.contains("exit code 1, no job summary") == true)
            #expect(result.error?.message.contains("unknown flag") == true)
            #expect(result.error?.message.contains("stderr: a detail") == true)
        }
    }

    private func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("azfuse-unit-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func makeExecutable(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        _ = FileManager.default.createFile(
            atPath: path, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
    }
}
