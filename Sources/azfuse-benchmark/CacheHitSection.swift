import AzFuse
import Foundation

/// A cache hit: `File.read` of a cached 1 KiB file from the three places users call it (the main actor, an actor of
/// their own, a detached task), each beside a plain read of the same cache file with
/// `FileHandle(forReadingAtPath:)` + `readToEnd()` in the same place. Goal: at least 0.8x the plain read everywhere.
struct CacheHitSection: BenchmarkSection {
    let name = "cache"
    /// Reads per round; each caller runs ``rounds`` rounds, alternating AzFuse and the plain read so that machine
    /// noise falls on both.
    let readsPerRound = 5_000
    let rounds = 6

    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow] {
        let fuse = try context.makeFuse("hit")
        try await context.putBlobs(prefix: "hit", count: 1, size: 1024)
        let path = context.logicalFolder("hit") + "/0"
        _ = try await fuse.read(path)
        let loop = HitLoop(fuse: fuse, path: path, cachePath: try fuse.cachePath(for: path), count: readsPerRound)
        let reader = HitReader()
        var rows: [BenchmarkRow] = []
        for caller in ["main actor", "an actor", "a detached task"] {
            var azfuseSeconds = 0.0
            var plainSeconds = 0.0
            for _ in 0..<rounds {
                switch caller {
                case "main actor":
                    azfuseSeconds += try await loop.azfuseFromMainActor()
                    plainSeconds += try await loop.plainFromMainActor()
                case "an actor":
                    azfuseSeconds += try await reader.azfuse(loop)
                    plainSeconds += try await reader.plain(loop)
                default:
                    azfuseSeconds += try await Task.detached { try await loop.azfuse() }.value
                    plainSeconds += try await Task.detached { try await loop.plain() }.value
                }
            }
            rows.append(
                BenchmarkRow(
                    section: name, operation: "File.read of a cached 1 KiB file from \(caller)",
                    work: .operations(readsPerRound * rounds), nativeSeconds: azfuseSeconds,
                    referenceName: "FileHandle", referenceSeconds: plainSeconds, goal: 0.8))
        }
        return rows
    }
}

/// The two loop bodies, the same wherever they run. `File` uses `fuse` (set as the task's instance outside the
/// timed loop: a detached task does not inherit the caller's).
struct HitLoop: Sendable {
    let fuse: AzFuseClient
    let path: String
    let cachePath: String
    let count: Int

    func azfuse() async throws -> Double {
        try await fuse.withCurrent { try await measure { for _ in 0..<count { _ = try await File.read(path) } } }
    }

    func plain() async throws -> Double {
        try await measure { for _ in 0..<count { _ = try FileHandle(forReadingAtPath: cachePath)?.readToEnd() } }
    }

    @MainActor func azfuseFromMainActor() async throws -> Double {
        try await fuse.withCurrent { try await measure { for _ in 0..<count { _ = try await File.read(path) } } }
    }

    @MainActor func plainFromMainActor() async throws -> Double {
        try await measure { for _ in 0..<count { _ = try FileHandle(forReadingAtPath: cachePath)?.readToEnd() } }
    }
}

/// A user's actor reading from its own isolation.
actor HitReader {
    func azfuse(_ loop: HitLoop) async throws -> Double {
        try await loop.fuse.withCurrent {
            try await measure { for _ in 0..<loop.count { _ = try await File.read(loop.path) } }
        }
    }

    func plain(_ loop: HitLoop) async throws -> Double {
        try await measure {
            for _ in 0..<loop.count { _ = try FileHandle(forReadingAtPath: loop.cachePath)?.readToEnd() }
        }
    }
}
