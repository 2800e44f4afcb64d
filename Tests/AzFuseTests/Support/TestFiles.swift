import Foundation

/// Local file helpers for transfer tests.
enum TestFiles {
    /// Writes `size` pseudo-random bytes (seeded, so reproducible) to `path` and returns them.
    @discardableResult
    static func writeRandom(_ path: String, size: Int, seed: UInt64 = 42) throws -> Data {
        var state = seed | 1
        var bytes = [UInt8](repeating: 0, count: size)
        for index in bytes.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes[index] = UInt8(truncatingIfNeeded: state)
        }
        let data = Data(bytes)
        try data.write(to: URL(fileURLWithPath: path))
        return data
    }

    /// The contents of `path`.
    static func read(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// The names in `directory`, hidden ones included.
    static func names(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }
}
