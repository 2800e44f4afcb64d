import AzFuse
import AzFuseBlobClient
import AzFuseEmulator
import Foundation

/// MD5 and SHA-256 speed of the pure-Swift hashers, beside coreutils' `md5sum` and `sha256sum` on the same bytes.
struct HashingSection: BenchmarkSection {
    let name = "hashing"

    func run(in context: BenchmarkContext) async throws -> [BenchmarkRow] {
        let size = context.options.hashMiB << 20
        let data = [UInt8](repeating: 0, count: size).enumerated().map { UInt8(truncatingIfNeeded: $0.offset &* 7) }
        let path = context.workDirectory + "/hash-input"
        try Data(data).write(to: URL(fileURLWithPath: path))
        let chunk = 8 << 20

        let md5Seconds = await measure {
            var hasher = MD5()
            for start in stride(from: 0, to: size, by: chunk) {
                data[start..<min(start + chunk, size)].withUnsafeBytes { hasher.update($0) }
            }
            _ = hasher.finalize()
        }
        let sha256Seconds = await measure {
            var hasher = SHA256()
            for start in stride(from: 0, to: size, by: chunk) {
                data[start..<min(start + chunk, size)].withUnsafeBytes { hasher.update($0) }
            }
            _ = hasher.finalize()
        }
        let md5sumSeconds = try await measure { try await runCommand(["sh", "-c", "md5sum \(path) >/dev/null"]) }
        let sha256sumSeconds = try await measure {
            try await runCommand(["sh", "-c", "sha256sum \(path) >/dev/null"])
        }
        try FileManager.default.removeItem(atPath: path)
        return [
            BenchmarkRow(
                section: name, operation: "MD5", bytes: Int64(size), nativeSeconds: md5Seconds,
                referenceName: "md5sum", referenceSeconds: md5sumSeconds),
            BenchmarkRow(
                section: name, operation: "SHA-256", bytes: Int64(size), nativeSeconds: sha256Seconds,
                referenceName: "sha256sum", referenceSeconds: sha256sumSeconds),
        ]
    }
}
