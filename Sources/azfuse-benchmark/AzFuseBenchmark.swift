import AzFuse
import AzFuseBlobClient
import AzFuseEmulator
import Foundation

/// `azfuse-benchmark`: measures the native Blob client against curl (and the hashers against coreutils) on a local
/// blob emulator, and prints a table.
@main
enum AzFuseBenchmark {
    /// Every section, in run order. Add new sections here.
    static let sections: [any BenchmarkSection] = [
        HashingSection(), LargeBlobSection(), SmallBlobsSection(), CacheHitSection(), ColdReadSection(),
        ConcurrentReadsSection(), SmallReadBehindLargeSection(), PrepareSection(), ProcessesSection(),
        CheckpointUploadSection(), ManySmallUploadsSection(),
    ]

    static func main() async {
        do {
            let options = try BenchmarkOptions(arguments: Array(CommandLine.arguments.dropFirst()))
            try await run(options)
        } catch {
            FileHandle.standardError.write(Data("azfuse-benchmark: \(error)\n".utf8))
            exit(1)
        }
    }

    private static func run(_ options: BenchmarkOptions) async throws {
        let selected = sections.filter { options.sections?.contains($0.name) ?? true }
        guard !selected.isEmpty else { throw BenchmarkError("no such section; known: \(sections.map(\.name))") }
        let workDirectory = options.workRoot + "/azfuse-benchmark-\(getpid())"
        try FileManager.default.createDirectory(atPath: workDirectory + "/emulator", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workDirectory) }
        let emulator = try await EmulatorServer.start(
            script: options.emulatorScript, dataDirectory: workDirectory + "/emulator")
        let rows: [BenchmarkRow]
        do {
            rows = try await runSections(selected, options: options, emulator: emulator, workDirectory: workDirectory)
        } catch {
            await emulator.stop()
            throw error
        }
        await emulator.stop()
        print("")
        print(ReportTable.render(rows))
        print("native/ref > 1 means the native side is faster (reference time / native time).")
    }

    private static func runSections(
        _ sections: [any BenchmarkSection], options: BenchmarkOptions, emulator: EmulatorServer, workDirectory: String
    ) async throws -> [BenchmarkRow] {
        var configuration = BlobClient.Configuration()
        if let parallelism = options.clientParallelism { configuration.parallelism = parallelism }
        let account = emulator.account(container: "benchmark")
        let client = try BlobClient(account: account, configuration: configuration)
        try await client.createContainer()
        let sas = try client.makeContainerSAS(
            permissions: BlobSASPermissions.all.description, expiresOn: Date() + 86_400)
        let context = BenchmarkContext(
            options: options, account: account, client: client, sasToken: sas, workDirectory: workDirectory,
            emulator: emulator)
        var rows: [BenchmarkRow] = []
        for section in sections {
            print("running \(section.name)...")
            rows += try await section.run(in: context)
        }
        return rows
    }
}
