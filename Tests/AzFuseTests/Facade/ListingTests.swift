import Foundation
import Testing

@testable import AzFuse

/// list and walk: logical paths, every page, mount roots and the container root, local folders.
@Suite struct ListingTests {
    static func populate(_ fixture: MetadataFixture) async throws {
        for (name, content) in [
            ("azfuse_data/b.txt", "bb"), ("azfuse_data/a.txt", "a"), ("azfuse_data/sub/c.txt", "ccc"),
            ("azfuse_data/sub/deep/d.txt", "dddd"), ("azfuse_data/sub.txt", "s"), ("other/e.txt", "e"),
        ] {
            try await fixture.putBlob(name, content)
        }
    }

    @Test func listsLogicalPathsWithKindSizeAndTimeAcrossPages() async throws {
        try await MetadataFixture.with(ownEmulator: true) { fixture in
            try await Self.populate(fixture)
            try await fixture.emulator.setMaxListResults(2)
            try await fixture.emulator.clearRequests()
            let entries = try await fixture.fuse.list(fixture.logical(""))
            #expect(entries.map(\.name) == ["a.txt", "b.txt", "sub", "sub.txt"])
            #expect(entries.map(\.path) == entries.map { fixture.logical($0.name) })
            #expect(entries.map(\.kind) == [.file, .file, .folder, .file])
            #expect(entries.map(\.size) == [1, 2, nil, 1])
            #expect(entries.filter { !$0.isFolder }.allSatisfy { $0.lastModified != nil })
            let lists = try await fixture.emulator.requests().filter { $0.query["comp"] == "list" }
            #expect(lists.count == 2, "two pages of two entries")

            let recursive = try await fixture.fuse.list(fixture.logical("sub/"), recursive: true)
            #expect(recursive.map(\.name) == ["c.txt", "deep/d.txt"])
            #expect(recursive.map(\.path) == [fixture.logical("sub/c.txt"), fixture.logical("sub/deep/d.txt")])
            #expect(try await fixture.fuse.list(fixture.logical("nothing")).isEmpty)
            #expect(try await fixture.fuse.list(fixture.logical("a.txt")).isEmpty, "a file has no entries")
        }
    }

    @Test func listsTheContainerRootWithoutMangling() async throws {
        try await MetadataFixture.with { fixture in
            try await Self.populate(fixture)
            let root = try await fixture.fuse.list(fixture.rootLogical(""))
            #expect(root.map(\.name) == ["azfuse_data", "other"])
            #expect(root.allSatisfy { $0.isFolder })
            let all = try await fixture.fuse.list(fixture.rootLogical("") + "/", recursive: true)
            #expect(
                all.map(\.name) == [
                    "azfuse_data/a.txt", "azfuse_data/b.txt", "azfuse_data/sub.txt", "azfuse_data/sub/c.txt",
                    "azfuse_data/sub/deep/d.txt", "other/e.txt",
                ])
            #expect(all.first?.path == fixture.rootLogical("azfuse_data/a.txt"))
        }
    }

    @Test func aBlobAndAFolderOfTheSameNameAreBothListed() async throws {
        try await MetadataFixture.with { fixture in
            try await fixture.putBlob("azfuse_data/x", "file")
            try await fixture.putBlob("azfuse_data/x/y", "below")
            let entries = try await fixture.fuse.list(fixture.logical(""))
            #expect(entries.map(\.name) == ["x", "x"])
            #expect(entries.map(\.kind) == [.file, .folder])
        }
    }

    @Test func aFolderHoldingBothUploadedAndPendingFilesIsListedOnce() async throws {
        try await MetadataFixture.with { fixture in
            let fuse = fixture.fuse
            try await fixture.putBlob("azfuse_data/p/sub/uploaded.txt", "u")
            let pending = try #require(try fuse.resolve(fixture.logical("p/sub/pending.txt")).blob)
            fuse.uploads.pendingUploads.begin(pending, record: "/journal/pending.json")
            defer { fuse.uploads.pendingUploads.end(record: "/journal/pending.json") }
            let entries = try await fuse.list(fixture.logical("p"))
            #expect(entries.map(\.name) == ["sub"], "\(entries)")
            #expect(entries.map(\.kind) == [.folder])
            let all = try await fuse.list(fixture.logical("p"), recursive: true)
            #expect(all.map(\.name) == ["sub/pending.txt", "sub/uploaded.txt"])
        }
    }

    @Test func walkVisitsFoldersTopDown() async throws {
        try await MetadataFixture.with { fixture in
            try await Self.populate(fixture)
            var steps: [FolderWalk.Step] = []
            for try await step in try fixture.fuse.walk(fixture.logical("")) { steps.append(step) }
            #expect(steps.map(\.folder) == [fixture.logical(""), fixture.logical("sub"), fixture.logical("sub/deep")])
            #expect(steps[0].subfolders.map(\.name) == ["sub"])
            #expect(steps[0].files.map(\.name) == ["a.txt", "b.txt", "sub.txt"])
            #expect(steps[1].files.map(\.path) == [fixture.logical("sub/c.txt")])
            #expect(steps[2].files.map(\.size) == [4])

            var first: FolderWalk.Step?
            try await fixture.emulator.clearRequests()
            for try await step in try fixture.fuse.walk(fixture.logical("")) {
                first = step
                break
            }
            #expect(first?.folder == fixture.logical(""))
            #expect(try await fixture.emulator.requests().count == 1, "the walk lists lazily")
        }
    }

    @Test func localFoldersAreListedAndWalkedFromDisk() async throws {
        try await MetadataFixture.with { fixture in
            try fixture.writeLocal("t/one.txt", "1")
            try fixture.writeLocal("t/.hidden", "22")
            try fixture.writeLocal("t/inner/two.txt", "333")
            try FileManager.default.createSymbolicLink(
                atPath: fixture.local("t/loop"), withDestinationPath: fixture.local("t"))
            let entries = try await fixture.fuse.list(fixture.local("t"))
            #expect(entries.map(\.name) == [".hidden", "inner", "loop", "one.txt"])
            #expect(entries.map(\.kind) == [.file, .folder, .folder, .file])
            #expect(entries.first?.size == 2)
            let recursive = try await fixture.fuse.list(fixture.local("t"), recursive: true)
            #expect(recursive.map(\.name) == [".hidden", "inner/two.txt", "one.txt"], "links are not followed")

            var folders: [String] = []
            for try await step in try fixture.fuse.walk(fixture.local("t")) { folders.append(step.folder) }
            #expect(folders == [fixture.local("t"), fixture.local("t/inner")])

            let missing = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.list(fixture.local("none"))
            }
            #expect(missing.code == .notFound)
            #expect(missing.path == fixture.local("none"))
            let file = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.list(fixture.local("t/one.txt"))
            }
            #expect(file.code == .invalidArgument)
            var walkError: AzFuseError?
            do {
                for try await _ in try fixture.fuse.walk(fixture.local("none")) {}
            } catch let error as AzFuseError {
                walkError = error
            }
            #expect(walkError?.code == .notFound)
        }
    }

    @Test func listingWithoutListPermissionIsDenied() async throws {
        try await MetadataFixture.with(account: MetadataFixture.sasOnly([.read])) { fixture in
            let error = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.list(fixture.logical(""))
            }
            #expect(error.code == .permissionDenied)
            #expect(error.path == fixture.logical(""))
        }
    }
}
