import AzFuse
import Foundation

/// Many small writes (1,000 of 4 KiB by default) inside one `withAsyncUpload` scope, which batches them, against
/// the same writes done synchronously one after the other.
struct ManySmallUploadsSection: BenchmarkSection {
    let name = "small-writes"

    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow] {
        let options = context.options
        let bytes = Data(repeating: 0x5a, count: options.smallKiB << 10)
        let (syncFuse, syncFolder) = try context.makeFuse("small-writes-sync")
        let synchronous = try await measure {
            for index in 0..<options.smallCount { try await syncFuse.write(bytes, to: syncFolder + "/f\(index)") }
        }
        let (asyncFuse, asyncFolder) = try context.makeFuse("small-writes-async")
        let scoped = try await measure {
            try await asyncFuse.withAsyncUpload {
                for index in 0..<options.smallCount { try await asyncFuse.write(bytes, to: asyncFolder + "/f\(index)") }
            }
        }
        return [
            BenchmarkRow(
                section: name,
                operation: "\(options.smallCount) writes of \(options.smallKiB) KiB in one scope, until committed",
                bytes: Int64(options.smallCount) * Int64(bytes.count), nativeSeconds: scoped, referenceName: "sync",
                referenceSeconds: synchronous)
        ]
    }
}
