import Foundation

@testable import AzFuse
@testable import AzFuseBlobClient

#if canImport(Glibc)
    import Glibc
#endif

/// An emulator, a container, and an instance mapping `<scratch>/data` onto `azfuse_data/` in it, with a private
/// shared-memory folder, for upload tests.
struct UploadFixture {
    let emulator: BlobEmulator
    let client: BlobClient
    let fuse: AzFuseClient
    let configuration: AzFuseConfiguration

    var cacheRoot: String { emulator.localPath("cache") }
    var stagingFolder: String { configuration.upload.sharedMemoryFolder + "/azfuse-\(getuid())" }

    func logical(_ name: String) -> String { emulator.localPath("data/\(name)") }
    func cachePath(_ name: String) -> String { cacheRoot + "/" + name }

    /// Another instance on the same cache, optionally with other credentials or options.
    func makeInstance(account: StorageAccount? = nil, upload: UploadOptions? = nil) throws -> AzFuseClient {
        var configuration = configuration
        if let account { configuration.storageAccounts["main"] = account }
        if let upload { configuration.upload = upload }
        return try AzFuseClient(configuration: configuration)
    }

    /// The content of blob `azfuse_data/<name>`, or `nil` if it does not exist.
    func blob(_ name: String) async throws -> Data? {
        let destination = emulator.localPath("download-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: destination) }
        do {
            _ = try await client.download("azfuse_data/\(name)", to: destination)
        } catch let error as BlobError where error.code == .notFound {
            return nil
        }
        return try Data(contentsOf: URL(fileURLWithPath: destination))
    }

    /// Put Blob and Put Block List requests that succeeded for `azfuse_data/<name>`.
    func commits(_ name: String) async throws -> Int {
        try await emulator.requests().filter {
            $0.method == "PUT" && $0.blob == "azfuse_data/\(name)" && $0.status < 300 && $0.query["comp"] != "block"
        }.count
    }

    /// The upload journal's record files.
    func journalRecords() -> [String] {
        let root = UploadJournal.uploadsFolder(cacheRoot: cacheRoot)
        let enumerator = FileManager.default.enumerator(atPath: root)
        return (enumerator?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    /// Files in the journal folders other than records and owner locks (snapshots and temporary files).
    func journalDataFiles() -> [String] {
        let root = UploadJournal.uploadsFolder(cacheRoot: cacheRoot)
        let enumerator = FileManager.default.enumerator(atPath: root)
        return (enumerator?.compactMap { $0 as? String } ?? []).filter {
            !$0.hasSuffix(".json") && !$0.hasSuffix("owner.lock") && $0.contains("/")
        }.sorted()
    }

    /// Files staged in the private shared-memory staging folder (in any owner folder; not locks or markers).
    func stagedFiles() -> [String] {
        Self.stagedFiles(in: stagingFolder)
    }

    /// Files staged under a private shared-memory staging folder (not owner locks or journal markers).
    static func stagedFiles(in folder: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder)
        return (enumerator?.compactMap { $0 as? String } ?? []).filter {
            let name = ($0 as NSString).lastPathComponent
            var status = stat()
            return lstat(folder + "/" + $0, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
                && name != "owner.lock" && !name.hasPrefix(SharedMemoryStaging.markerPrefix)
        }.sorted()
    }

    /// Files in the cache folder other than AzFuse's internal folder.
    func cacheEntries() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: cacheRoot)
        return (enumerator?.compactMap { $0 as? String } ?? []).filter { !CacheLayout.isInternal(relativePath: $0) }
            .sorted()
    }

    /// Whether the cache file of `name` is a symbolic link.
    func cacheFileIsLink(_ name: String) -> Bool {
        var status = stat()
        return lstat(cachePath(name), &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK
    }

    /// A SAS-only account for the fixture's container with `permissions`, optionally already expired.
    func sasAccount(_ permissions: BlobSASPermissions, expired: Bool = false) throws -> StorageAccount {
        let sas = try client.makeContainerSAS(
            permissions: permissions.description, expiresOn: Date(timeIntervalSinceNow: expired ? -3600 : 3600),
            startsOn: Date(timeIntervalSinceNow: -7200))
        var account = client.storageAccount
        account.accountKey = nil
        account.sasToken = sas
        return account
    }

    /// Quick retries, and a short resume fence so resumed blobs are not leased for long.
    static var defaultUpload: UploadOptions {
        var options = UploadOptions(retryDelay: .milliseconds(10))
        options.resumeFence = .seconds(1)
        return options
    }

    static func with<Result>(
        upload: UploadOptions = UploadFixture.defaultUpload,
        transfer: TransferOptions = TransferOptions(engine: .native),
        suite: String = #fileID,
        _ body: (UploadFixture) async throws -> Result
    ) async throws -> Result {
        try await BlobEmulator.withSharedEmulator(suite: suite) { emulator in
            let client = try await emulator.makeClient()
            let sharedMemory = "/dev/shm/azfuse-tests-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: sharedMemory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: sharedMemory) }
            var upload = upload
            upload.sharedMemoryFolder = sharedMemory
            let configuration = AzFuseConfiguration(
                mounts: [
                    Mount(
                        local: emulator.localPath("data"), remote: "azfuse_data", cache: emulator.localPath("cache"),
                        storageAccount: "main")
                ],
                storageAccounts: ["main": client.storageAccount], azcopyPath: AzCopyTestSupport.executable,
                transfer: transfer, upload: upload)
            return try await body(
                UploadFixture(
                    emulator: emulator, client: client, fuse: try AzFuseClient(configuration: configuration),
                    configuration: configuration))
        }
    }
}
