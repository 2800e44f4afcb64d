import Foundation

/// What a logical path can be asked, answered by the namespace it resolves to.
///
/// The folder's contract: an unmapped path lives in the ``LocalNamespace`` (the file system, by the path as the
/// caller spelled it); a mapped path lives in the ``BlobNamespace`` (its blob, through the service, with its cached
/// copy). `AzFuseClient.namespace(for:)` is the one place that chooses between them; the facade resolves, then
/// forwards. A namespace value is bound to one path and made per call; every error it throws names ``path``. Checks
/// of arguments that do not depend on the path (a lease duration, a range) stay in the facade, before resolving. The
/// write path (`write`, `open(.write)`, uploads) and the cache hit of `read` are not part of this protocol.
protocol Namespace: Sendable {
    /// The logical path as the caller spelled it: errors name it, and local I/O uses it.
    var path: String { get }

    /// Whether a file or folder is there.
    func exists() async throws -> Bool

    /// Whether the path is a file.
    func isFile() async throws -> Bool

    /// Whether the path is a folder.
    func isFolder() async throws -> Bool

    /// The size of the file in bytes.
    func size() async throws -> Int64

    /// The folder's entries (files and subfolders, or every file below it with `recursive`), sorted by name, and
    /// the blobs left out.
    func listing(recursive: Bool) async throws -> FolderListing

    /// Whether the path is a symbolic link, which a walk reports but does not descend into.
    func isSymbolicLink() -> Bool

    /// Deletes the file (a folder is refused).
    func remove() async throws

    /// Deletes the folder and everything below it, and returns how many files were deleted.
    func removeTree(progress: (@Sendable (TransferProgress) -> Void)?) async throws -> Int

    /// Reads bytes of the file without caching it; `offset` and `length` are not negative.
    func readRange(offset: Int64, length: Int) async throws -> Data

    /// The blob's user metadata, names in lower case.
    func metadata() async throws -> [String: String]

    /// Replaces the blob's user metadata.
    func setMetadata(_ metadata: [String: String]) async throws

    /// Sets the blob's access tier.
    func setAccessTier(_ tier: AccessTier) async throws

    /// A URL that grants access to the blob without credentials until it expires.
    func signedURL(permissions: BlobSASPermissions, expiresIn: Duration) throws -> URL

    /// Runs `body` while holding a lock on the path; `duration` is already checked.
    func withLease<Value>(
        duration: Duration, timeout: Duration, isolation: isolated (any Actor)?, _ body: () async throws -> Value
    ) async throws -> Value

    /// Breaks the lease on the blob.
    func breakLease() async throws

    /// Removes the cached copy of the file or folder. Runs blocking system calls: call it through ``BlockingIO``.
    func clearCache() throws

    /// The local file that holds (or will hold) the content; nothing is downloaded.
    var cachePath: String { get }

    /// Opens the local file that holds the content for reading, downloading it first when it is a missing cached
    /// copy; the caller closes the descriptor.
    nonisolated(nonsending) func openForReading() async throws -> Int32

    /// The local file that holds the content, downloaded first when it is a missing cached copy.
    func fileForReading() async throws -> String
}

extension Namespace {
    /// Whether the content is available locally: ``cachePath`` is a regular file.
    var isCached: Bool { CacheStore.isRegularFile(cachePath) }

    /// The folder as the caller spelled it, without trailing slashes (except `/` itself): listed entries' paths
    /// start with it.
    var listingBase: String {
        var base = path
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        return base
    }
}
