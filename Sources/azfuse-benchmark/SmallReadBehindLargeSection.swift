import AzFuse
import Foundation

/// A small read while a large download runs in the same mount: the latency of `File.read` of a missing 1 KiB blob
/// issued 0.2 s after a `File.read` of a missing 256 MiB blob started, beside the same small read on an idle client.
/// Goal: at most 2x the idle latency (a ratio of at least 0.5x).
struct SmallReadBehindLargeSection: BenchmarkSection {
    let name = "behind-large"
    let samples = 5
    let largeMiB = 256

    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow] {
        try await context.putBlobs(prefix: "behind-large/small", count: 2 * samples, size: 1024)
        try await context.putBlobs(prefix: "behind-large/large", count: samples, size: largeMiB << 20)
        let folder = context.logicalFolder("behind-large")
        var idle = 0.0
        var busy = 0.0
        for sample in 0..<samples {
            let fuse = try context.makeFuse("behind-large", cacheTag: "-\(sample)")
            idle += try await measure { _ = try await fuse.read(folder + "/small/\(2 * sample)") }
            let large = Task { try await fuse.read(folder + "/large/\(sample)").count }
            try await Task.sleep(for: .milliseconds(200))
            busy += try await measure { _ = try await fuse.read(folder + "/small/\(2 * sample + 1)") }
            _ = try await large.value
            try await fuse.clearCache(folder)
        }
        return [
            BenchmarkRow(
                section: name, operation: "File.read of a missing 1 KiB blob 0.2 s into a \(largeMiB) MiB download",
                work: .latency, nativeSeconds: busy / Double(samples), referenceName: "idle client",
                referenceSeconds: idle / Double(samples), note: "mean of \(samples)", goal: 0.5)
        ]
    }
}
