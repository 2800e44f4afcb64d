import AzFuse
import AzFuseEmulator
import Foundation

/// Four `azfuse download` processes started together on the same 200 missing blobs and one shared cache: wall
/// time and GETs per blob (each blob must be fetched once), beside one process alone on a cold cache.
struct ProcessesSection: BenchmarkSection {
    let name = "processes"
    let blobCount = 200
    let processCount = 4

    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow] {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("azfuse").path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw BenchmarkError("\(executable) not found; build every product first: swift build -c release")
        }
        try await context.putBlobs(prefix: "processes", count: blobCount, size: 4096)
        let paths = (0..<blobCount).map { context.logicalFolder("processes") + "/\($0)" }

        let alone = try await timeProcesses(1, executable: executable, paths: paths, cacheTag: "-alone", context)
        try await context.emulator.clearRequests()
        let together = try await timeProcesses(
            processCount, executable: executable, paths: paths, cacheTag: "-shared", context)
        let gets = try await context.emulator.getsPerBlob()
        let perBlob = gets.values
        return [
            BenchmarkRow(
                section: name, operation: "\(processCount) processes download the same \(blobCount) missing blobs",
                work: .operations(blobCount), nativeSeconds: together, referenceName: "1 process alone",
                referenceSeconds: alone,
                note: "GETs per blob min \(perBlob.min() ?? 0) max \(perBlob.max() ?? 0), \(gets.count) blobs fetched")
        ]
    }

    private func timeProcesses(
        _ count: Int, executable: String, paths: [String], cacheTag: String, _ context: BenchmarkContext
    ) async throws -> Double {
        let folder = context.workDirectory + "/processes-config\(cacheTag)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let account = context.client.account
        try """
        - local: \(context.logicalFolder("processes"))
          remote: processes
          cache: \(context.workDirectory)/processes/cache\(cacheTag)
          storage_account: benchmark
        """.write(toFile: folder + "/azfuse.yaml", atomically: true, encoding: .utf8)
        try """
        account_name: \(account.accountName)
        container_name: \(account.containerName)
        account_key: \(account.accountKey ?? "null")
        endpoint: \(account.endpoint.absoluteString)
        """.write(toFile: folder + "/benchmark.yaml", atomically: true, encoding: .utf8)
        let command = [executable, "download"]
        let environment = [
            "AZFUSE_USE_FUSE": "1", "AZFUSE_CLOUD_FUSE_CONFIG_FILE": folder + "/azfuse.yaml",
            "AZFUSE_STORAGE_ACCOUNT_CONFIG_FOLDER": folder,
        ]
        return try await measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    let arguments = command + (index % 2 == 0 ? paths : paths.reversed())
                    group.addTask { try await runCommand(arguments, environment: environment) }
                }
                try await group.waitForAll()
            }
        }
    }
}
