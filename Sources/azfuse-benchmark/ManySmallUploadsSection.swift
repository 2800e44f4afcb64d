import AzFuse
import Foundation

/// Many small writes (1,000 of 4 KiB by default) inside one `withAsyncUpload` scope, which batches them: with
/// automatic routing and with azcopy forced, against the same writes done synchronously one after the other.
struct ManySmallUploadsSection: BenchmarkSection {
    let name = "small-writes"

    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow] {
        let options = context.options
        let bytes = Data(repeating: 0x5a, count: options.smallKiB << 10)
        let syncFuse = try context.makeFuse("small-writes-sync")
        let syncFolder = context.logicalFolder("small-writes-sync")
        let synchronous = try await measure {
            for index in 0..<options.smallCount { try await syncFuse.write(bytes, to: syncFolder + "/f\(index)") }
        }
        var rows: [BenchmarkRow] = []
        for engine in [TransferOptions.Engine.auto, .azcopy] {
            let prefix = "small-writes-\(engine.rawValue)"
            let fuse = try context.makeFuse(prefix, transfer: TransferOptions(engine: engine))
            let folder = context.logicalFolder(prefix)
            let scoped = try await measure {
                try await fuse.withAsyncUpload {
                    for index in 0..<options.smallCount { try await fuse.write(bytes, to: folder + "/f\(index)") }
                }
            }
            let statistics = await fuse.transferStatistics()
            let batches = statistics.uploadBatches.map { "\($0.key): \($0.value)" }.sorted()
            rows.append(
                BenchmarkRow(
                    section: name,
                    operation: "\(options.smallCount) writes of \(options.smallKiB) KiB in one scope, engine "
                        + "\(engine.rawValue), until committed",
                    work: .operations(options.smallCount), nativeSeconds: scoped, referenceName: "sync writes",
                    referenceSeconds: synchronous,
                    note: "\(statistics.azcopyInvocations) azcopy jobs, upload batches \(batches)"))
        }
        return rows
    }
}
