import AzFuse
import AzFuseBlobClient
import Foundation

/// The sample data the demonstration puts in the container: `datasets/demo/images/<i>.jpg` (4 KiB each, content
/// derived from the index so reads can be checked) and `datasets/demo/labels.json`.
enum DemoDataset {
    static let prefix = "datasets/demo"
    static let labels = Data(#"{"classes": ["cat", "dog"], "version": 1}"#.utf8)

    /// The content of image `index`.
    static func content(of index: Int) -> Data {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var state = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 | 1
        for position in bytes.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes[position] = UInt8(truncatingIfNeeded: state)
        }
        return Data(bytes)
    }

    /// Creates the container and uploads the dataset, 32 blobs at a time.
    static func upload(count: Int, to account: StorageAccount, scratch: String) async throws -> Double {
        let client = try BlobClient(account: account)
        try await client.createContainer()
        let folder = scratch + "/upload"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        return try await AzFuseDemo.measure {
            try labels.write(to: URL(fileURLWithPath: folder + "/labels.json"))
            _ = try await client.upload(from: folder + "/labels.json", to: prefix + "/labels.json")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    if index >= 32 { try await group.next() }
                    group.addTask {
                        let file = folder + "/\(index)"
                        try content(of: index).write(to: URL(fileURLWithPath: file))
                        _ = try await client.upload(from: file, to: prefix + "/images/\(index).jpg")
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}
