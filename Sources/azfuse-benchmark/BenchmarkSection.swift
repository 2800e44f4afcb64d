import AzFuse
import Foundation

/// One group of measurements. Add a section by writing a type conforming to this protocol in its own file and
/// listing it in ``AzFuseBenchmark/sections``.
protocol BenchmarkSection: Sendable {
    /// The short name used on the command line (`--sections`) and in the table.
    var name: String { get }
    /// Runs the measurements and returns one row per operation.
    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow]
}

/// What sections share: the options, a client for a fresh container on the emulator, a SAS for curl, and a
/// scratch directory.
struct BenchmarkContext: Sendable {
    let options: BenchmarkOptions
    let client: BlobClient
    /// A container SAS with every permission, for curl.
    let sasToken: String
    /// A directory for local files, removed at the end.
    let workDirectory: String

    /// The SAS URL of `blob`, for curl.
    func curlURL(for blob: String) -> String {
        "\(client.account.endpoint.absoluteString)/\(client.account.containerName)/\(blob)?\(sasToken)"
    }
}

/// One measured operation: the native time beside a reference tool's time on the same work.
struct BenchmarkRow: Sendable {
    var section: String
    var operation: String
    /// Bytes moved or hashed.
    var bytes: Int64
    var nativeSeconds: Double
    /// The reference tool, for example `curl` or `md5sum`.
    var referenceName: String?
    var referenceSeconds: Double?
}

/// Measures the wall-clock time of `body`.
func measure(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = start.duration(to: .now).components
    return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
}
