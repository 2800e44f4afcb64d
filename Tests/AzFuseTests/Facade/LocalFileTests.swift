import Foundation
import Testing

@testable import AzFuse

/// Pass-through I/O: with mapping off, or for unmapped paths, AzFuse acts on the local file, atomically.
@Suite struct LocalFileTests {
    struct Failure: Error {}

    static func localInstance(_ directory: TemporaryDirectory) throws -> AzFuseClient {
        try AzFuseClient(configuration: AzFuseConfiguration(isEnabled: false, baseFolder: directory.path))
    }

    @Test func writesAndReadsThroughEveryAPI() async throws {
        try await TemporaryDirectory.with { directory in
            let fuse = try Self.localInstance(directory)
            let path = directory.file("nested/folder/a.txt")
            try await fuse.write(Data("hello".utf8), to: path)
            #expect(try await fuse.read(path) == Data("hello".utf8))

            try await fuse.open(path, .write) { handle in handle.write(Data("via handle".utf8)) }
            let read = try await fuse.open(path, .read) { handle in try handle.readToEnd() }
            #expect(read == Data("via handle".utf8))

            try await fuse.withLocalPath(path, .write) { temporary in
                #expect(temporary != path)
                try Data("via path".utf8).write(to: URL(fileURLWithPath: temporary))
            }
            let viaPath = try await fuse.withLocalPath(path, .read) { local in
                try String(contentsOfFile: local, encoding: .utf8)
            }
            #expect(viaPath == "via path")
            #expect(try directory.contents(of: "nested/folder") == ["a.txt"])
        }
    }

    @Test func readsEmptyAndLargeFiles() async throws {
        try await TemporaryDirectory.with { directory in
            let fuse = try Self.localInstance(directory)
            try await fuse.write(Data(), to: directory.file("empty"))
            #expect(try await fuse.read(directory.file("empty")).isEmpty)
            let large = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            try await fuse.write(large, to: directory.file("large"))
            #expect(try await fuse.read(directory.file("large")) == large)
        }
    }

    @Test func missingFileIsNotFoundNamingThePath() async throws {
        try await TemporaryDirectory.with { directory in
            let fuse = try Self.localInstance(directory)
            let path = directory.file("missing.txt")
            let error = try await #require(throws: AzFuseError.self) { try await fuse.read(path) }
            #expect(error.code == .notFound)
            #expect(error.path == path)
            #expect(error.description.contains("missing.txt"))
            let folderError = try await #require(throws: AzFuseError.self) { try await fuse.read(directory.path) }
            #expect(folderError.code == .invalidArgument)
        }
    }

    @Test func failingOrCancelledWriterLeavesNoTrace() async throws {
        try await TemporaryDirectory.with { directory in
            let fuse = try Self.localInstance(directory)
            let path = directory.file("kept.txt")
            try await fuse.write(Data("original".utf8), to: path)

            await #expect(throws: Failure.self) {
                try await fuse.open(path, .write) { handle in
                    handle.write(Data("partial".utf8))
                    throw Failure()
                }
            }
            await #expect(throws: Failure.self) {
                try await fuse.withLocalPath(path, .write) { temporary in
                    try Data("partial".utf8).write(to: URL(fileURLWithPath: temporary))
                    throw Failure()
                }
            }
            let entered = TestEvent()
            let task = Task {
                try await fuse.open(path, .write) { handle in
                    handle.write(Data("cancelled".utf8))
                    entered.signal()
                    try await Task.sleep(for: .seconds(30))  // held until the test cancels it
                }
            }
            try await entered.wait()
            task.cancel()
            let started = ContinuousClock.now
            await #expect(throws: CancellationError.self) { try await task.value }
            #expect(ContinuousClock.now - started < .seconds(5))

            #expect(try String(contentsOfFile: path, encoding: .utf8) == "original")
            #expect(try directory.contents() == ["kept.txt"])
        }
    }

    /// Many writers of one path: every reader sees one writer's complete content; no temporary file is left.
    @Test func concurrentWritersNeverCorruptEachOther() async throws {
        try await TemporaryDirectory.with { directory in
            let fuse = try Self.localInstance(directory)
            let path = directory.file("shared.bin")
            let contents = (0..<24).map { writer in Data(repeating: UInt8(writer), count: 256 * 1024 + writer) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for content in contents {
                    group.addTask { try await fuse.write(content, to: path) }
                    group.addTask {
                        if let seen = try? await fuse.read(path) {
                            #expect(contents.contains(seen), "a reader saw a mixed or partial file")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(contents.contains(try await fuse.read(path)))
            #expect(try directory.contents() == ["shared.bin"])
        }
    }

    @Test func parsesAzfuseModeStrings() throws {
        #expect(try OpenMode("r") == .read)
        #expect(try OpenMode("rb") == .read)
        #expect(try OpenMode("w") == .write)
        #expect(try OpenMode("wb") == .write)
        for mode in ["a", "r+", "x", "w+", ""] {
            let error = try #require(throws: AzFuseError.self) { try OpenMode(mode) }
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("'\(mode)'"))
        }
    }
}
