import Foundation
import Testing

@testable import AzFuse

/// The `File` facade forwards to the task's instance, and mapped cache hits are served from the cache.
@Suite struct FacadeTests {
    static func mappedInstance(_ directory: TemporaryDirectory) throws -> AzFuseClient {
        let account = StorageAccount(
            accountName: "acct", containerName: "box", endpoint: URL(string: "http://127.0.0.1:9/acct")!)
        return try AzFuseClient(
            configuration: AzFuseConfiguration(
                mounts: [
                    Mount(local: "data", remote: "azfuse_data", cache: directory.file("cache"), storageAccount: "a")
                ],
                storageAccounts: ["a": account], baseFolder: directory.path))
    }

    @Test func fileForwardsToTheTaskLocalInstanceInChildTasks() async throws {
        try await TemporaryDirectory.with { directory in
            let fuse = try Self.mappedInstance(directory)
            try directory.write("cached", to: "cache/abc.txt")
            let logical = directory.file("data/abc.txt")
            try await fuse.withCurrent {
                #expect(try File.current() === fuse)
                #expect(try await File.read(logical) == Data("cached".utf8))
                try await withThrowingTaskGroup(of: Data.self) { group in
                    for _ in 0..<8 { group.addTask { try await File.read(logical) } }
                    for try await data in group { #expect(data == Data("cached".utf8)) }
                }
                #expect(try File.resolve(logical).blob?.blobName == "azfuse_data/abc.txt")
            }
        }
    }

    /// A cache hit needs no network: the endpoint here is a closed port, and the read still succeeds.
    @Test func cacheHitIsServedWithoutNetwork() async throws {
        try await TemporaryDirectory.with { directory in
            let fuse = try Self.mappedInstance(directory)
            try directory.write("from cache", to: "cache/sub/file.txt")
            let logical = directory.file("data/sub/file.txt")
            #expect(try await fuse.read(logical) == Data("from cache".utf8))
            let viaHandle = try await fuse.open(logical, .read) { try $0.readToEnd() }
            #expect(viaHandle == Data("from cache".utf8))
            let local = try await fuse.withLocalPath(logical, .read) { $0 }
            #expect(local == directory.file("cache/sub/file.txt"))
        }
    }

    @Test func unmappedPathsInAMappedInstanceAreLocal() async throws {
        try await TemporaryDirectory.with { directory in
            let fuse = try Self.mappedInstance(directory)
            let path = directory.file("elsewhere/x.txt")
            try await fuse.write(Data("local".utf8), to: path)
            #expect(try await fuse.read(path) == Data("local".utf8))
            #expect(try fuse.resolve(path).isMapped == false)
        }
    }
}
