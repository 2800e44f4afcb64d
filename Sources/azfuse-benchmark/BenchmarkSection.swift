import AzFuse
import AzFuseBlobClient
import AzFuseEmulator
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
    /// The benchmark container on the emulator.
    let account: StorageAccount
    let client: BlobClient
    /// A container SAS with every permission, for curl.
    let sasToken: String
    /// A directory for local files, removed at the end.
    let workDirectory: String
    /// The emulator, for its request log.
    let emulator: EmulatorServer

    /// An instance whose mount `<work>/<name>/data` maps onto blobs under `<name>/` in the benchmark container, with
    /// its own cache folder `<work>/<name>/cache<cacheTag>`.
    /// A different `cacheTag` gives an instance with a cold cache of its own over the same blobs.
    func makeFuse(_ name: String, cacheTag: String = "", transfer: TransferOptions = TransferOptions()) throws
        -> AzFuseClient
    {
        try AzFuseClient(configuration: configuration(name, cacheTag: cacheTag, transfer: transfer))
    }

    /// The configuration ``makeFuse(_:cacheTag:transfer:)`` uses.
    func configuration(
        _ name: String, cacheTag: String = "", transfer: TransferOptions = TransferOptions()
    ) -> AzFuseConfiguration {
        AzFuseConfiguration(
            mounts: [
                Mount(
                    local: logicalFolder(name), remote: name, cache: workDirectory + "/\(name)/cache\(cacheTag)",
                    storageAccount: "benchmark")
            ],
            storageAccounts: ["benchmark": account], azcopyPath: options.azcopyPath, transfer: transfer)
    }

    /// The logical folder of ``makeFuse(_:cacheTag:transfer:)``'s mount.
    func logicalFolder(_ name: String) -> String {
        workDirectory + "/\(name)/data"
    }

    /// Uploads `count` blobs of `size` bytes named `<prefix>/<index>`, 32 at a time.
    func putBlobs(prefix: String, count: Int, size: Int) async throws {
        let source = workDirectory + "/blob-source-\(size)"
        try Data(repeating: 0x61, count: size).write(to: URL(fileURLWithPath: source))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if index >= 32 { try await group.next() }
                group.addTask { _ = try await client.upload(from: source, to: "\(prefix)/\(index)") }
            }
            try await group.waitForAll()
        }
    }

    /// The SAS URL of `blob`, for curl.
    func curlURL(for blob: String) -> String {
        "\(client.account.endpoint.absoluteString)/\(client.account.containerName)/\(blob)?\(sasToken)"
    }
}

/// One measured operation: the native time beside a reference's time on the same work.
struct BenchmarkRow: Sendable {
    /// What the time is for, which decides how it is shown.
    enum Work: Sendable {
        /// Bytes moved or hashed: shown as MiB/s.
        case bytes(Int64)
        /// Operations done (reads, files): shown as operations per second.
        case operations(Int)
        /// One operation's latency: shown in milliseconds.
        case latency
    }

    var section: String
    var operation: String
    var work: Work
    var nativeSeconds: Double
    /// The reference, for example `curl`, `md5sum` or `one azcopy job per file`.
    var referenceName: String?
    var referenceSeconds: Double?
    /// Counts worth showing beside the times (requests, azcopy invocations, batches).
    var note: String?
    /// The issue's goal for the ratio reference time / native time (for example 0.8 for "at least 0.8x the plain
    /// read"), printed beside the figure with whether it is met.
    var goal: Double?

    init(
        section: String, operation: String, work: Work, nativeSeconds: Double, referenceName: String? = nil,
        referenceSeconds: Double? = nil, note: String? = nil, goal: Double? = nil
    ) {
        self.section = section
        self.operation = operation
        self.work = work
        self.nativeSeconds = nativeSeconds
        self.referenceName = referenceName
        self.referenceSeconds = referenceSeconds
        self.note = note
        self.goal = goal
    }

    init(
        section: String, operation: String, bytes: Int64, nativeSeconds: Double, referenceName: String?,
        referenceSeconds: Double?
    ) {
        self.init(
            section: section, operation: operation, work: .bytes(bytes), nativeSeconds: nativeSeconds,
            referenceName: referenceName, referenceSeconds: referenceSeconds)
    }
}

/// Measures the wall-clock time of `body`.
nonisolated(nonsending) func measure(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = start.duration(to: .now).components
    return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
}
