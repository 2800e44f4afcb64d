import AzFuse
import AzFuseEmulator
import Foundation

/// Many concurrent misses: `File.read` of 1,000 distinct missing 4 KiB blobs from 1,000 tasks at once, with automatic
/// routing and with each engine forced, beside one azcopy job per file (azfuse's behaviour on a miss, serialized
/// by its machine-wide lock; estimated from a few sequential jobs, since 1,000 would take over half an hour).
struct ConcurrentReadsSection: BenchmarkSection {
    let name = "concurrent"
    let perFileSamples = 3

    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow] {
        let count = context.options.readCount
        try await context.putBlobs(prefix: "concurrent", count: count + perFileSamples, size: 4096)
        let folder = context.logicalFolder("concurrent")

        let perFile = try context.makeFuse(
            "concurrent", cacheTag: "-per-file", transfer: TransferOptions(engine: .azcopy))
        var perFileTotal = 0.0
        for index in count..<(count + perFileSamples) {
            perFileTotal += try await measure { _ = try await perFile.read(folder + "/\(index)") }
        }
        let estimatedPerFile = perFileTotal / Double(perFileSamples) * Double(count)

        var rows: [BenchmarkRow] = []
        for engine in [TransferOptions.Engine.auto, .native, .azcopy] {
            let fuse = try context.makeFuse(
                "concurrent", cacheTag: "-\(engine)", transfer: TransferOptions(engine: engine))
            try await context.emulator.clearRequests()
            let seconds = try await measure {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<count { group.addTask { _ = try await fuse.read(folder + "/\(index)") } }
                    try await group.waitForAll()
                }
            }
            let gets = try await context.emulator.getsPerBlob().values.reduce(0, +)
            let statistics = await fuse.transferStatistics()
            rows.append(
                BenchmarkRow(
                    section: name, operation: "\(count) concurrent File.read misses of 4 KiB, engine \(engine)",
                    work: .operations(count), nativeSeconds: seconds, referenceName: "one azcopy job per file (est.)",
                    referenceSeconds: estimatedPerFile,
                    note: "\(statistics.azcopyInvocations) azcopy jobs, \(gets) GETs, batches \(describe(statistics))"))
        }
        return rows
    }
}

/// Batches per engine, for notes: `native 2, azcopy 1`.
func describe(_ statistics: TransferStatistics) -> String {
    statistics.batches.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key) \($0.value)" }
        .joined(separator: ", ")
}
