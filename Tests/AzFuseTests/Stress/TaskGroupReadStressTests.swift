import Foundation
import Testing

@testable import AzFuse

/// 1,000 mapped files (0 B to 1 MiB, half cached, half only in storage) read from one task group, one child task per
/// file, in the shape users write; and the same from 4 processes at once. Every byte must be right, cached files
/// need no request, and every missing blob is downloaded exactly once. `scripts/test.sh` runs this in release too.
///
/// The child tasks run `await Self.read(path)`, a named function whose body is the users'
/// `do { return (path, try await File.read(path), nil) } catch { return (path, nil, "\(error)") }`. Written inside
/// the `addTask` closure itself, that body is miscompiled by Swift 6.3.1 in release builds in any program, with or
/// without AzFuse (the closure's own result is corrupted; Docs/KnownIssues.md), so this is the nearest shape that
/// tests AzFuse rather than the toolchain.
@Suite struct TaskGroupReadStressTests {
    static let fileCount = 1_000

    /// The mapped files: their logical paths and contents; even indices are cached, odd ones only in storage.
    struct Files {
        let emulator: BlobEmulator
        let environment: [String: String]
        let paths: [String]
        let contents: [String: Data]
        let missingBlobs: Set<String>
    }

    /// Sizes from 0 B to exactly 1 MiB, mostly small so the test runs in seconds: both ends appear as a hit and as
    /// a miss, ten files are between 64 KiB and 1 MiB, the rest below 16 KiB.
    static func sizes() -> [Int] {
        var generator = SplitMix64(seed: 2026)
        return (0..<fileCount).map { index in
            switch index {
            case 0, 1: 0
            case 2, 3: 1 << 20
            case _ where index % 100 == 0: Int.random(in: (64 << 10)...(1 << 20), using: &generator)
            default: Int.random(in: 0..<(1 << Int.random(in: 0...14, using: &generator)), using: &generator) + 1
            }
        }
    }

    /// Creates the files: cached copies for even indices, blobs for odd ones; clears the emulator's request log.
    static func makeFiles(_ emulator: BlobEmulator) async throws -> Files {
        let client = try await emulator.makeClient()
        let environment = try CrossProcessCacheTests.writeConfiguration(
            emulator, container: client.account.containerName)
        let sources = emulator.localPath("sources")
        try FileManager.default.createDirectory(atPath: sources, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: emulator.localPath("cache/stress"), withIntermediateDirectories: true)
        let (paths, contents, uploads) = try await Self.offPool {
            var paths: [String] = []
            var contents: [String: Data] = [:]
            var uploads: [(source: String, blobName: String)] = []
            for (index, size) in sizes().enumerated() {
                let name = "stress/f\(index).bin"
                let path = emulator.localPath("data/\(name)")
                let file = index.isMultiple(of: 2) ? emulator.localPath("cache/\(name)") : "\(sources)/f\(index).bin"
                contents[path] = try TestFiles.writeRandom(file, size: size, seed: UInt64(index + 1))
                paths.append(path)
                if !index.isMultiple(of: 2) { uploads.append((file, "azfuse_data/\(name)")) }
            }
            return (paths, contents, uploads)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, upload) in uploads.enumerated() {
                if index >= 8 { try await group.next() }
                group.addTask { _ = try await client.upload(from: upload.source, to: upload.blobName) }
            }
            try await group.waitForAll()
        }
        try await emulator.clearRequests()
        return Files(
            emulator: emulator, environment: environment, paths: paths, contents: contents,
            missingBlobs: Set(uploads.map(\.blobName)))
    }

    /// The users' child-task body, as a named function (see the suite's documentation).
    static func read(_ path: String) async -> (String, Data?, String?) {
        do { return (path, try await File.read(path), nil) } catch { return (path, nil, "\(error)") }
    }

    /// Checks that the emulator served exactly one successful GET per missing blob and no request for cached files.
    /// (An empty blob also gets a ranged GET answered 416 first: a range of 0 bytes cannot be satisfied.)
    static func expectOneGetPerMissingBlob(_ files: Files) async throws {
        let requests = try await files.emulator.requests().filter { $0.blob?.hasPrefix("azfuse_data/stress/") == true }
        #expect(Set(requests.compactMap(\.blob)) == files.missingBlobs, "requests for cached files or no GET")
        #expect(requests.allSatisfy { $0.method == "GET" }, "\(Set(requests.map(\.method)))")
        let served = requests.filter { (200..<300).contains($0.status) }
        let gets = Dictionary(grouping: served, by: { $0.blob ?? "" }).mapValues(\.count)
        #expect(gets.count == files.missingBlobs.count)
        #expect(gets.values.allSatisfy { $0 == 1 }, "GETs per blob: \(gets.filter { $0.value != 1 })")
        let refused = requests.filter { !(200..<300).contains($0.status) }
        #expect(refused.allSatisfy { $0.status == 416 && $0.blob == "azfuse_data/stress/f1.bin" }, "\(refused)")
    }

    /// Both checks share one emulator and one set of files: uploading 500 blobs is most of the cost, and the suite
    /// runs beside timing-sensitive tests.
    @Test func aThousandMappedFilesFromOneTaskGroupThenFromFourProcesses() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let files = try await Self.makeFiles(emulator)
            let fuse = try AzFuseClient(configuration: AzFuseConfiguration.fromEnvironment(files.environment))
            let results = await fuse.withCurrent {
                await withTaskGroup(of: (String, Data?, String?).self) { group in
                    for path in files.paths {
                        group.addTask { await Self.read(path) }
                    }
                    var results: [(String, Data?, String?)] = []
                    for await result in group { results.append(result) }
                    return results
                }
            }
            #expect(results.count == Self.fileCount)
            #expect(Set(results.map(\.0)) == Set(files.paths))
            for (path, data, error) in results {
                #expect(error == nil, "\(path): \(error ?? "")")
                #expect(data == files.contents[path], "\(path): \(data?.count ?? -1) bytes")
            }
            try await Self.expectOneGetPerMissingBlob(files)

            // The same files from 4 processes at once, with the downloaded copies removed so they are misses again.
            try await Self.forgetDownloads(files)
            let list = emulator.localPath("paths.txt")
            try files.paths.joined(separator: "\n").write(toFile: list, atomically: true, encoding: .utf8)
            let expected = try await Self.offPool { files.contents.mapValues { ["\($0.count)", Self.digest($0)] } }
            let environment = files.environment
            let finished = try await Self.offPool {
                try (0..<4).map { _ in
                    try CommandRunner.start(
                        [list], environment: environment, currentFolder: emulator.scratchDirectory,
                        executable: "azfuse-test-reader")
                }.map { $0.finish() }
            }
            for result in finished {
                #expect(result.status == 0, "\(result.standardError)")
                let lines = result.standardOutput.split(separator: "\n").map {
                    $0.split(separator: "\t").map(String.init)
                }
                #expect(lines.count == Self.fileCount)
                #expect(Set(lines.map { $0[0] }) == Set(files.paths))
                for line in lines {
                    #expect(Array(line.dropFirst()) == expected[line[0]], "\(line)")
                }
            }
            try await Self.expectOneGetPerMissingBlob(files)
        }
    }

    /// Removes the cached copies of the blobs that were missing, and clears the emulator's request log.
    static func forgetDownloads(_ files: Files) async throws {
        for blob in files.missingBlobs {
            let name = blob.dropFirst("azfuse_data/".count)
            try FileManager.default.removeItem(atPath: files.emulator.localPath("cache/\(name)"))
        }
        try await files.emulator.clearRequests()
    }

    /// Runs slow synchronous work (generating files, hashing, waiting for processes) on a Dispatch thread, so the
    /// other suites' tasks keep the cooperative pool.
    static func offPool<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// FNV-1a, 64 bits, in hex: what `azfuse-test-reader` prints for a file's bytes.
    static func digest(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
