import AzFuse
import AzFuseEmulator
import Foundation

/// Upload and download of many small blobs (1,000 × 4 KiB by default) with bounded parallelism: the native client
/// against one curl process running the same transfers with `--parallel`.
struct SmallBlobsSection: BenchmarkSection {
    let name = "small"

    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow] {
        let options = context.options
        let directory = context.workDirectory + "/small"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let names = (0..<options.smallCount).map { String(format: "small/%05d", $0) }
        for index in names.indices {
            try LargeBlobSection.writeTestFile(directory + "/\(index)", size: Int64(options.smallKiB) << 10)
        }
        let label = "\(options.smallCount) blobs of \(options.smallKiB) KiB, \(options.smallParallelism) at once"
        let client = context.client

        let nativeUpload = try await measure {
            try await forEach(Array(names.enumerated()), parallelism: options.smallParallelism) { index, name in
                _ = try await client.upload(from: directory + "/\(index)", to: "native/" + name)
            }
        }
        let curlUpload = try await measure {
            let entries = names.enumerated().map { index, name in
                "url = \"\(context.curlURL(for: "curl/" + name))\"\nupload-file = \"\(directory)/\(index)\"\n"
                    + "output = \"/dev/null\"\n"
            }
            try await runCurl(
                entries, parallelism: options.smallParallelism, configPath: context.workDirectory + "/curl-upload.conf",
                extra: ["-H", "x-ms-blob-type: BlockBlob", "-H", "x-ms-version: 2021-08-06"])
        }
        let nativeDownload = try await measure {
            try await forEach(Array(names.enumerated()), parallelism: options.smallParallelism) { index, name in
                _ = try await client.download("native/" + name, to: directory + "/native-\(index)")
            }
        }
        let curlDownload = try await measure {
            let entries = names.enumerated().map { index, name in
                "url = \"\(context.curlURL(for: "native/" + name))\"\noutput = \"\(directory)/curl-\(index)\"\n"
            }
            try await runCurl(
                entries, parallelism: options.smallParallelism,
                configPath: context.workDirectory + "/curl-download.conf", extra: [])
        }
        try FileManager.default.removeItem(atPath: directory)
        let bytes = Int64(options.smallCount) * (Int64(options.smallKiB) << 10)
        return [
            BenchmarkRow(
                section: name, operation: "upload \(label)", bytes: bytes, nativeSeconds: nativeUpload,
                referenceName: "curl", referenceSeconds: curlUpload),
            BenchmarkRow(
                section: name, operation: "download \(label)", bytes: bytes, nativeSeconds: nativeDownload,
                referenceName: "curl", referenceSeconds: curlDownload),
        ]
    }

    /// Runs one curl process over all `entries` (config-file URL blocks), `parallelism` transfers at once.
    private func runCurl(_ entries: [String], parallelism: Int, configPath: String, extra: [String]) async throws {
        try entries.joined().write(toFile: configPath, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: configPath) }
        try await runCommand(
            [
                "curl", "-sS", "--no-progress-meter", "--fail", "--parallel", "--parallel-max", String(parallelism),
                "-K", configPath,
            ] + extra)
    }

    /// Runs `body` for every element with at most `parallelism` running at once.
    private func forEach<Element: Sendable>(
        _ elements: [Element], parallelism: Int, _ body: @escaping @Sendable (Element) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, element) in elements.enumerated() {
                if index >= parallelism { try await group.next() }
                group.addTask { try await body(element) }
            }
            try await group.waitForAll()
        }
    }
}
