import AzFuse
import Foundation

/// A training loop saving checkpoints (100 writes of 8 MiB): inside `withAsyncUpload(shmAsTemp: true)` against the
/// same bytes written to `/dev/shm` with plain writes (goal: blocked at most 1.5x that, a ratio of at least 0.67x)
/// and against the same writes done synchronously. Reports the time the loop spends blocked in writes and the time
/// until every checkpoint is committed.
struct CheckpointUploadSection: BenchmarkSection {
    let name = "checkpoints"
    let count = 100
    let mebibytes = 8

    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow] {
        let bytes = Data((0..<(mebibytes << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let plainFolder = context.workDirectory + "/checkpoints-plain"
        try FileManager.default.createDirectory(atPath: plainFolder, withIntermediateDirectories: true)
        let plain = try await measure {
            for step in 0..<count {
                try bytes.write(to: URL(fileURLWithPath: plainFolder + "/ckpt-\(step).bin"))
            }
        }
        try? FileManager.default.removeItem(atPath: plainFolder)
        let syncFuse = try context.makeFuse("checkpoints-sync")
        let syncFolder = context.logicalFolder("checkpoints-sync")
        let synchronous = try await measure {
            for step in 0..<count { try await syncFuse.write(bytes, to: syncFolder + "/ckpt-\(step).bin") }
        }
        let asyncFuse = try context.makeFuse("checkpoints-async")
        let asyncFolder = context.logicalFolder("checkpoints-async")
        var blocked = 0.0
        let total = try await measure {
            try await asyncFuse.withAsyncUpload(shmAsTemp: true) {
                for step in 0..<count {
                    blocked += try await measure {
                        try await asyncFuse.write(bytes, to: asyncFolder + "/ckpt-\(step).bin")
                    }
                }
            }
        }
        let statistics = await asyncFuse.transferStatistics()
        let label = "\(count) writes of \(mebibytes) MiB in withAsyncUpload(shmAsTemp: true)"
        let size = Int64(count) * Int64(bytes.count)
        let note = "upload batches \(statistics.uploadBatches.map { "\($0.key): \($0.value)" }.sorted())"
        return [
            BenchmarkRow(
                section: name, operation: "\(label): loop blocked in writes", work: .bytes(size),
                nativeSeconds: blocked, referenceName: "plain /dev/shm writes", referenceSeconds: plain, note: note,
                goal: 1 / 1.5),
            BenchmarkRow(
                section: name, operation: "\(label): loop blocked in writes", work: .bytes(size),
                nativeSeconds: blocked, referenceName: "sync writes", referenceSeconds: synchronous),
            BenchmarkRow(
                section: name, operation: "\(label): until all committed", work: .bytes(size), nativeSeconds: total,
                referenceName: "sync writes", referenceSeconds: synchronous),
        ]
    }
}
