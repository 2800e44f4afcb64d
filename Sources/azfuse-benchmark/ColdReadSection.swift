import AzFuse
import Foundation

/// A cold single small file: the latency of `File.read` of one missing 1 KiB blob through the native client, beside
/// the same read through azcopy (one job per file, as azfuse does on every miss).
struct ColdReadSection: BenchmarkSection {
    let name = "cold"
    let nativeSamples = 20
    let azcopySamples = 3

    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow] {
        try await context.putBlobs(prefix: "cold", count: nativeSamples + azcopySamples, size: 1024)
        let native = try context.makeFuse("cold", cacheTag: "-native", transfer: TransferOptions(engine: .native))
        let azcopy = try context.makeFuse("cold", cacheTag: "-azcopy", transfer: TransferOptions(engine: .azcopy))
        var nativeTotal = 0.0
        for index in 0..<nativeSamples {
            nativeTotal += try await measure { _ = try await native.read(context.logicalFolder("cold") + "/\(index)") }
        }
        var azcopyTotal = 0.0
        for index in nativeSamples..<(nativeSamples + azcopySamples) {
            azcopyTotal += try await measure { _ = try await azcopy.read(context.logicalFolder("cold") + "/\(index)") }
        }
        return [
            BenchmarkRow(
                section: name, operation: "File.read of one missing 1 KiB blob (native route)", work: .latency,
                nativeSeconds: nativeTotal / Double(nativeSamples), referenceName: "azcopy route",
                referenceSeconds: azcopyTotal / Double(azcopySamples),
                note: "mean of \(nativeSamples) native and \(azcopySamples) azcopy reads")
        ]
    }
}
