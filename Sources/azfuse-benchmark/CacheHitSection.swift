import AzFuse
import Foundation

/// A cache hit: `File.read` of a cached 1 KiB file, beside reading the same file with `FileHandle` and with
/// `FileManager`. A hit should cost little more than the read itself.
struct CacheHitSection: BenchmarkSection {
    let name = "cache"
    let iterations = 20_000

    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow] {
        let fuse = try context.makeFuse("hit")
        try await context.putBlobs(prefix: "hit", count: 1, size: 1024)
        let path = context.logicalFolder("hit") + "/0"
        _ = try await fuse.read(path)
        let cachePath = try fuse.cachePath(for: path)
        let count = iterations

        let viaFile = try await fuse.withCurrent {
            try await measure { for _ in 0..<count { _ = try await File.read(path) } }
        }
        let viaFileHandle = try await measure {
            for _ in 0..<count { _ = try FileHandle(forReadingFrom: URL(fileURLWithPath: cachePath)).readToEnd() }
        }
        let viaFileManager = await measure {
            for _ in 0..<count { _ = FileManager.default.contents(atPath: cachePath) }
        }
        let operation = "File.read of a cached 1 KiB file, \(count) times"
        return [
            BenchmarkRow(
                section: name, operation: operation, work: .operations(count), nativeSeconds: viaFile,
                referenceName: "FileHandle", referenceSeconds: viaFileHandle),
            BenchmarkRow(
                section: name, operation: operation, work: .operations(count), nativeSeconds: viaFile,
                referenceName: "FileManager", referenceSeconds: viaFileManager),
        ]
    }
}
