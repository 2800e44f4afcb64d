import AzFuse
import AzFuseEmulator
import Foundation

/// Upload and download of one large blob (1 GiB by default): the native client against one curl request.
struct LargeBlobSection: BenchmarkSection {
    let name = "large"

    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow] {
        let size = Int64(context.options.largeMiB) << 20
        let source = context.workDirectory + "/large-source"
        try Self.writeTestFile(source, size: size)
        let label = "1 blob of \(context.options.largeMiB) MiB"

        let nativeUpload = try await measure { _ = try await context.client.upload(from: source, to: "large/native") }
        let curlUpload = try await measure {
            try await runCommand([
                "curl", "-sS", "--fail", "-o", "/dev/null", "-T", source, "-H", "x-ms-blob-type: BlockBlob",
                "-H", "x-ms-version: 2021-08-06", context.curlURL(for: "large/curl"),
            ])
        }
        let nativeTarget = context.workDirectory + "/large-native"
        let nativeDownload = try await measure {
            _ = try await context.client.download("large/native", to: nativeTarget)
        }
        let curlTarget = context.workDirectory + "/large-curl"
        let curlDownload = try await measure {
            try await runCommand([
                "curl", "-sS", "--fail", "-o", curlTarget, context.curlURL(for: "large/native"),
            ])
        }
        for path in [source, nativeTarget, curlTarget] {
            try? FileManager.default.removeItem(atPath: path)
        }
        try await context.client.delete("large/native")
        try await context.client.delete("large/curl")
        return [
            BenchmarkRow(
                section: name, operation: "upload \(label)", bytes: size, nativeSeconds: nativeUpload,
                referenceName: "curl", referenceSeconds: curlUpload),
            BenchmarkRow(
                section: name, operation: "download \(label)", bytes: size, nativeSeconds: nativeDownload,
                referenceName: "curl", referenceSeconds: curlDownload),
        ]
    }

    /// Writes `size` bytes of varied content in 8 MiB pieces.
    static func writeTestFile(_ path: String, size: Int64) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw BenchmarkError("could not create \(path)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var piece = Data(count: 8 << 20)
        var written: Int64 = 0
        var counter: UInt64 = 0
        while written < size {
            piece.withUnsafeMutableBytes { buffer in
                let words = buffer.bindMemory(to: UInt64.self)
                for index in words.indices {
                    counter &+= 0x9E37_79B9_7F4A_7C15
                    words[index] = counter
                }
            }
            let count = Int(min(Int64(piece.count), size - written))
            try handle.write(contentsOf: piece.prefix(count))
            written += Int64(count)
        }
    }
}
