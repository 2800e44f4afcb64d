import AzFuseBlobClient
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An AzFuse instance: a configuration, its path resolver and its cache.
///
/// Most code uses the ``File`` facade, which forwards to the current instance. Create instances explicitly to use
/// several configurations in one process, or to keep tests independent of process-wide state:
///
/// ```swift
/// let fuse = try AzFuseClient(configuration: configuration)
/// let bytes = try await fuse.read("data/abc.txt")
/// try await fuse.withCurrent {
///     try await File.read("data/abc.txt")   // uses `fuse`
/// }
/// ```
public final class AzFuseClient: Sendable {
    /// The configuration this instance was created with.
    public let configuration: AzFuseConfiguration

    let resolver: PathResolver
    let scheduler: TransferScheduler
    let cacheStore: CacheStore
    /// The azcopy engine, when azcopy was found.
    let azcopy: AzCopyTransferEngine?
    /// One native client per storage account, shared by downloads and the metadata API.
    let clients: BlobClientPool
    /// The upload side: journaled writes, `withAsyncUpload` scopes, resume.
    let uploads: UploadService

    /// Creates an instance from a configuration.
    ///
    /// Relative mount prefixes are resolved against ``AzFuseConfiguration/baseFolder``, or the current directory
    /// now, as azfuse does.
    ///
    /// - Parameter configuration: The mounts, accounts and options.
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` when a mount names an unknown account or has an invalid
    ///   prefix.
    public init(configuration: AzFuseConfiguration) throws {
        self.configuration = configuration
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        self.resolver = try PathResolver(
            configuration: configuration,
            baseFolder: configuration.baseFolder ?? FileManager.default.currentDirectoryPath,
            homeFolder: home)
        let clients = BlobClientPool(configuration: BlobClient.Configuration(retry: configuration.transfer.retry))
        self.clients = clients
        let staging = StagingArea()
        var environment = ProcessInfo.processInfo.environment
        if let azcopyPath = configuration.azcopyPath { environment[AzCopyLocator.pathVariable] = azcopyPath }
        let azcopy: AzCopyTransferEngine?
        let missingAzCopy: UnavailableTransferEngine
        do {
            let executable = try AzCopyLocator.locate(environment: environment)
            azcopy = AzCopyTransferEngine(
                engine: AzCopyEngine(
                    executable: executable, workRoot: NSTemporaryDirectory(), environment: environment),
                clients: clients, staging: staging, retry: AzCopyJobRetry(policy: configuration.transfer.retry))
            missingAzCopy = UnavailableTransferEngine(kind: .azcopy, reason: "azcopy is available")
        } catch {
            azcopy = nil
            missingAzCopy = UnavailableTransferEngine(
                kind: .azcopy, reason: (error as? AzFuseError)?.message ?? "\(error)")
        }
        self.azcopy = azcopy
        let router = TransferRouter(
            options: configuration.transfer,
            native: NativeTransferEngine(
                clients: clients, parallelism: configuration.transfer.nativeParallelism, staging: staging),
            azcopy: azcopy,
            missingAzCopy: missingAzCopy)
        self.scheduler = TransferScheduler(router: router)
        self.cacheStore = CacheStore(
            scheduler: scheduler, options: configuration.transfer, cacheRoots: resolver.cacheRoots)
        self.uploads = UploadService(
            options: configuration.upload, resolver: resolver, scheduler: scheduler, clients: clients)
    }

    /// Creates an instance configured from azfuse-compatible environment variables and YAML files.
    ///
    /// - Parameter environment: The environment to read; defaults to the process environment.
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` naming the file or variable that is wrong.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> AzFuseClient {
        try AzFuseClient(configuration: AzFuseConfiguration.fromEnvironment(environment))
    }

    /// Runs `body` with this instance as the one ``File`` forwards to, in this task and the tasks it creates.
    ///
    /// - Parameters:
    ///   - isolation: Where `body` runs; leave the default, the caller's actor (so `body` need not be `Sendable`).
    ///   - body: The code that should use this instance.
    /// - Returns: What `body` returns.
    public func withCurrent<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Result
    ) async rethrows -> Result {
        try await File.$taskInstance.withValue(self, operation: body, isolation: isolation)
    }

    /// Tells where a logical path lives: a plain local file, or a blob and its cache file.
    ///
    /// Resolution is pure computation on the loaded configuration: no I/O, no network.
    ///
    /// - Parameter path: A relative or absolute logical path.
    /// - Returns: The resolution.
    /// - Throws: ``AzFuseError/Code/invalidArgument`` for an empty path.
    public func resolve(_ path: String) throws -> ResolvedPath {
        try resolver.resolve(path, currentFolder: FileManager.default.currentDirectoryPath)
    }

    /// Opens a file and runs `body` with its handle.
    ///
    /// - `.read`: the handle reads the local file, or the cache file of a mapped path (downloaded first on a miss).
    /// - `.write`: the handle writes a new temporary file; when `body` returns, it replaces the file atomically (and
    ///   a mapped file is uploaded). If `body` throws or the task is cancelled, nothing changes.
    ///
    /// The handle is valid only inside `body`; do not close it yourself.
    ///
    /// - Parameters:
    ///   - path: A relative or absolute logical path.
    ///   - mode: ``OpenMode/read`` or ``OpenMode/write``.
    ///   - isolation: Where `body` runs; leave the default, the caller's actor (so `body` need not be `Sendable`).
    ///   - body: Works with the handle.
    /// - Returns: What `body` returns.
    /// - Throws: ``AzFuseError`` naming the path, or what `body` throws.
    public func open<Result>(
        _ path: String,
        _ mode: OpenMode,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (FileHandle) async throws -> Result
    ) async throws -> Result {
        switch mode {
        case .read:
            let descriptor: Int32
            if let hit = openCachedCopy(path) {
                descriptor = hit
            } else {
                descriptor = try await namespace(for: path).openForReading()
            }
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
            defer { Glibc.close(descriptor) }
            return try await body(handle)
        case .write:
            return try await uploads.commitWrite(try resolve(path)) { destination, permissions in
                try await AtomicFileWriter.write(to: destination, permissions: permissions, handle: body)
            }
        }
    }

    /// Reads a whole file.
    ///
    /// A cache hit runs in the caller's isolation (no executor hop) and costs about what a plain read of the cache
    /// file costs: one `open`, one `fstat` and the reads; files over 1 MiB are read off the cooperative pool.
    ///
    /// - Parameter path: A relative or absolute logical path.
    /// - Returns: The file's bytes.
    /// - Throws: ``AzFuseError`` naming the path: ``AzFuseError/Code/notFound`` if neither the local file nor the
    ///   blob exists.
    public nonisolated(nonsending) func read(_ path: String) async throws -> Data {
        if let descriptor = openCachedCopy(path) {
            return try await FileReader.readAll(descriptor, reportedPath: path)
        }
        return try await FileReader.readAll(try await namespace(for: path).openForReading(), reportedPath: path)
    }

    /// Opens the cache file of a mapped path if it is there: the hit path, with no ``ResolvedPath`` built.
    ///
    /// - Returns: A descriptor the caller must close, or `nil` for anything else (a miss, an unmapped path, a path
    ///   that needs full resolution); the caller then takes the general path, which reports errors.
    func openCachedCopy(_ path: String) -> Int32? {
        guard let hit = resolver.cacheFileForHit(path), (try? cacheStore.rootGuard.check(hit.cacheRoot)) != nil else {
            return nil
        }
        let descriptor = Glibc.open(hit.cacheFile, O_RDONLY | O_CLOEXEC)
        return descriptor >= 0 ? descriptor : nil
    }

    /// Replaces a file's content atomically (and uploads it, for a mapped path).
    ///
    /// - Parameters:
    ///   - data: The new content.
    ///   - path: A relative or absolute logical path; parent folders are created.
    /// - Throws: ``AzFuseError`` naming the path.
    public func write(_ data: Data, to path: String) async throws {
        let resolved = try resolve(path)
        try await uploads.commitWrite(resolved, size: Int64(data.count), fallsBackToCache: true) {
            destination, permissions in
            try await AtomicFileWriter.write(data, to: destination, permissions: permissions)
        }
    }

    /// Runs `body` with a local path for the file, for code that wants a path rather than a handle.
    ///
    /// - `.read`: the path of the local file, or of the cache file of a mapped path (downloaded first on a miss).
    ///   Do not modify it.
    /// - `.write`: the path of a new temporary file for `body` to create or fill; when `body` returns it replaces
    ///   the file atomically (and a mapped file is uploaded). If `body` throws or the task is cancelled, nothing
    ///   changes.
    ///
    /// - Parameters:
    ///   - path: A relative or absolute logical path.
    ///   - mode: ``OpenMode/read`` or ``OpenMode/write``.
    ///   - isolation: Where `body` runs; leave the default, the caller's actor (so `body` need not be `Sendable`).
    ///   - body: Works with the local path.
    /// - Returns: What `body` returns.
    public func withLocalPath<Result>(
        _ path: String,
        _ mode: OpenMode,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (String) async throws -> Result
    ) async throws -> Result {
        let resolved = try resolve(path)
        switch mode {
        case .read:
            return try await body(try await namespace(for: resolved).fileForReading())
        case .write:
            return try await uploads.commitWrite(resolved) { destination, permissions in
                try await AtomicFileWriter.write(to: destination, permissions: permissions, body)
            }
        }
    }
}
