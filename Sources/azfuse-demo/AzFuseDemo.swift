import AzFuse
import AzFuseBlobClient
import AzFuseEmulator
import Foundation

/// `azfuse-demo`: AzFuse's main job, end to end, against a local blob emulator, with timings.
///
/// It starts the emulator on a free port, fills a container with a sample dataset, configures AzFuse the way an
/// azfuse user would (YAML files and environment variables), then shows `prepare`, concurrent reads from many tasks,
/// checkpoint writes under `withAsyncUpload(shmAsTemp: true)`, and a second process reading the same files from the
/// shared cache. It checks what it shows (request counts,
/// contents) and exits non-zero if anything is off. Everything it started or wrote is removed at the end.
@main
enum AzFuseDemo {
    static let datasetSize = 3000
    static let preparedCount = 2000
    static let readerTasks = 64
    static let checkpointCount = 20
    static let checkpointSize = 8 << 20

    static func main() async {
        let workDirectory =
            (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
            + "/azfuse-demo-\(getpid())"
        var status: Int32 = 0
        do {
            try FileManager.default.createDirectory(
                atPath: workDirectory + "/emulator", withIntermediateDirectories: true)
            let emulator = try await EmulatorServer.start(
                script: "Tests/BlobEmulator/blob_emulator.py", dataDirectory: workDirectory + "/emulator")
            do {
                try await run(emulator: emulator, workDirectory: workDirectory)
            } catch {
                await emulator.stop()
                throw error
            }
            await emulator.stop()
        } catch {
            FileHandle.standardError.write(Data("azfuse-demo: error: \(error)\n".utf8))
            status = 1
        }
        try? FileManager.default.removeItem(atPath: workDirectory)
        exit(status)
    }

    static func run(emulator: EmulatorServer, workDirectory: String) async throws {
        let report = DemoReport()
        print("AzFuse demonstration: blob emulator on 127.0.0.1:\(emulator.port), work folder \(workDirectory)")

        let filled = try await DemoDataset.upload(
            count: datasetSize, to: emulator.account(container: "training"), scratch: workDirectory)
        report.add("fill the container", "\(datasetSize) blobs of 4 KiB + labels.json", seconds: filled)

        let environment = try DemoConfiguration.write(in: workDirectory, emulator: emulator, container: "training")
        let fuse = try AzFuseClient(
            configuration: AzFuseConfiguration.fromEnvironment(environment, currentFolder: workDirectory))
        let paths = (0..<datasetSize).map { workDirectory + "/data/images/\($0).jpg" }

        try await emulator.clearRequests()
        let prepared = try await measure {
            try await fuse.prepare(paths.prefix(preparedCount)) { progress in
                if progress.completedFiles % 500 == 0 {
                    print("  prepare: \(progress.completedFiles)/\(progress.totalFiles)")
                }
            }
        }
        let prepareGets = try await emulator.getsPerBlob()
        try check(prepareGets.count == preparedCount, "prepare fetched \(prepareGets.count) blobs")
        report.add(
            "File.prepare", "\(preparedCount) files, \(prepareGets.values.reduce(0, +)) GETs", seconds: prepared,
            files: preparedCount)

        try await emulator.clearRequests()
        let readBytes = LockedTotal()
        let concurrent = try await measure {
            try await fuse.withCurrent {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for task in 0..<readerTasks {
                        group.addTask {
                            for index in stride(from: task, to: datasetSize, by: readerTasks) {
                                let data = try await File.read(paths[index])
                                guard data == DemoDataset.content(of: index) else {
                                    throw EmulatorError("wrong content for \(paths[index])")
                                }
                                readBytes.add(data.count)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
        let readGets = try await emulator.getsPerBlob()
        let misses = datasetSize - preparedCount
        try check(readGets.count == misses && readGets.values.allSatisfy { $0 == 1 }, "reads fetched \(readGets)")
        report.add(
            "concurrent File.read", "\(readerTasks) tasks, \(preparedCount) hits + \(misses) misses, \(misses) GETs",
            seconds: concurrent, files: datasetSize)

        let labels = try await fuse.read(workDirectory + "/data/labels.json")
        try check(labels == DemoDataset.labels, "labels.json differs")

        let checkpoints = try await writeCheckpoints(fuse: fuse, workDirectory: workDirectory, emulator: emulator)
        report.add(
            "checkpoints, withAsyncUpload(shmAsTemp: true)",
            "\(checkpointCount) x 8 MiB; loop blocked \(String(format: "%.2f", checkpoints.blocked)) s, all uploaded",
            seconds: checkpoints.total, files: checkpointCount)

        try await emulator.clearRequests()
        let azfuse = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("azfuse").path
        let secondProcess = try await measure {
            try await runCommand([azfuse, "download"] + paths, environment: environment)
        }
        let secondGets = try await emulator.getsPerBlob()
        try check(secondGets.isEmpty, "the second process downloaded \(secondGets.count) blobs")
        report.add(
            "second process (azfuse download)", "\(datasetSize) files from the shared cache, 0 GETs",
            seconds: secondProcess, files: datasetSize)

        print("")
        print(report.render())
        print("")
        print("All checks passed: every file was downloaded once, contents matched, every checkpoint reached the")
        print("container, and the shared cache served a second process without network access.")
        print("Bytes read: \(readBytes.value).")
    }

    /// A training loop's checkpoint saves: the writes return as soon as the bytes are in shared memory, uploads run
    /// in the background, and the scope returns once every checkpoint is committed.
    static func writeCheckpoints(
        fuse: AzFuseClient, workDirectory: String, emulator: EmulatorServer
    ) async throws -> (blocked: Double, total: Double) {
        let checkpoint = Data(repeating: 0x5A, count: checkpointSize)
        var blocked = 0.0
        let total = try await measure {
            try await fuse.withCurrent {
                try await File.withAsyncUpload(shmAsTemp: true) {
                    for step in 0..<checkpointCount {
                        blocked += try await measure {
                            try await File.write(checkpoint, to: workDirectory + "/models/ckpt-\(step).bin")
                        }
                    }
                }
            }
        }
        let client = try BlobClient(account: emulator.account(container: "training"))
        for step in 0..<checkpointCount {
            let size = try await client.properties(of: "checkpoints/run-1/ckpt-\(step).bin").size
            try check(size == Int64(checkpointSize), "checkpoint \(step) has \(size) bytes in the container")
        }
        let readBack = try await fuse.read(workDirectory + "/models/ckpt-\(checkpointCount - 1).bin")
        try check(readBack == checkpoint, "the last checkpoint reads back differently")
        return (blocked, total)
    }

    static func check(_ condition: Bool, _ message: String) throws {
        guard condition else { throw EmulatorError("check failed: \(message)") }
    }

    static func measure(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = start.duration(to: .now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }
}
