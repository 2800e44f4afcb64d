import AzFuse
import Foundation

/// `prepare` of many small files (1,000 and 10,000 of 1 KiB by default) with automatic routing, beside the same
/// `prepare` forced through the native client only.
struct PrepareSection: BenchmarkSection {
    let name = "prepare"

    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow] {
        var rows: [BenchmarkRow] = []
        for count in context.options.prepareCounts {
            let prefix = "prepare\(count)"
            try await context.putBlobs(prefix: prefix, count: count, size: 1024)
            let paths = (0..<count).map { context.logicalFolder(prefix) + "/\($0)" }
            let automatic = try context.makeFuse(prefix, cacheTag: "-auto")
            let automaticSeconds = try await measure { try await automatic.prepare(paths) }
            let native = try context.makeFuse(prefix, cacheTag: "-native", transfer: TransferOptions(engine: .native))
            let nativeSeconds = try await measure { try await native.prepare(paths) }
            let statistics = await automatic.transferStatistics()
            rows.append(
                BenchmarkRow(
                    section: name, operation: "prepare of \(count) files of 1 KiB, engine auto",
                    work: .operations(count), nativeSeconds: automaticSeconds, referenceName: "native only",
                    referenceSeconds: nativeSeconds,
                    note: "\(statistics.azcopyInvocations) azcopy jobs, batches \(describe(statistics))"))
        }
        return rows
    }
}
