import Foundation

@testable import AzFuse
@testable import AzFuseBlobClient

/// An emulator container and an instance with two mounts onto it: `<scratch>/data` onto the prefix `azfuse_data`,
/// and `<scratch>/root` onto the container root.
struct MetadataFixture {
    let emulator: BlobEmulator
    let client: BlobClient
    let fuse: AzFuseClient

    /// The logical path of `name` under the `azfuse_data` mount.
    func logical(_ name: String) -> String { emulator.localPath(name.isEmpty ? "data" : "data/\(name)") }

    /// The logical path of `name` under the container-root mount.
    func rootLogical(_ name: String) -> String { emulator.localPath(name.isEmpty ? "root" : "root/\(name)") }

    /// A plain local path outside both mounts.
    func local(_ name: String) -> String { emulator.localPath("local/\(name)") }

    /// Uploads `content` as the blob `blobName` (a full name in the container).
    func putBlob(_ blobName: String, _ content: String) async throws {
        let source = emulator.localPath("upload-\(UUID().uuidString)")
        try Data(content.utf8).write(to: URL(fileURLWithPath: source))
        defer { try? FileManager.default.removeItem(atPath: source) }
        _ = try await client.upload(from: source, to: blobName)
    }

    /// Writes a local file, creating its folders.
    func writeLocal(_ name: String, _ content: String) throws {
        let path = local(name)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Whether the blob exists, asked directly.
    func blobExists(_ blobName: String) async throws -> Bool {
        do {
            _ = try await client.properties(of: blobName)
            return true
        } catch let error as BlobError where error.code == .notFound {
            return false
        }
    }

    /// Runs `body` with a fresh container and instance, on the calling suite's shared emulator (or an emulator of its
    /// own with `ownEmulator`, for a test that changes emulator settings). `makeAccount` may change the instance's
    /// credentials (the fixture's own client keeps the account key).
    static func with<Result>(
        account makeAccount: ((StorageAccount) throws -> StorageAccount)? = nil,
        ownEmulator: Bool = false,
        suite: String = #fileID,
        _ body: (MetadataFixture) async throws -> Result
    ) async throws -> Result {
        try await BlobEmulator.with(ownEmulator: ownEmulator, suite: suite) { emulator in
            let client = try await emulator.makeClient()
            let account = try makeAccount?(client.storageAccount) ?? client.storageAccount
            let configuration = AzFuseConfiguration(
                mounts: [
                    Mount(
                        local: emulator.localPath("data"), remote: "azfuse_data", cache: emulator.localPath("cache"),
                        storageAccount: "main"),
                    Mount(
                        local: emulator.localPath("root"), remote: "", cache: emulator.localPath("root-cache"),
                        storageAccount: "main"),
                ],
                storageAccounts: ["main": account])
            return try await body(
                MetadataFixture(
                    emulator: emulator, client: client, fuse: try AzFuseClient(configuration: configuration)))
        }
    }

    /// An account that authenticates with a container SAS allowing only `permissions`, and has no key.
    static func sasOnly(_ permissions: BlobSASPermissions) -> (StorageAccount) throws -> StorageAccount {
        { account in
            var limited = account
            limited.sasToken = try BlobClient(account: account).makeContainerSAS(
                permissions: permissions.description, expiresOn: Date(timeIntervalSinceNow: 3600))
            limited.accountKey = nil
            return limited
        }
    }
}
