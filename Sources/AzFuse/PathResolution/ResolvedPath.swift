import Foundation

/// Where a logical path lives: a plain local file, or a blob with a cache file.
public struct ResolvedPath: Sendable, Hashable {
    /// The path exactly as the caller gave it; local I/O uses this spelling.
    public let path: String
    /// The path made absolute against the current directory, with `.`, `..` and repeated slashes collapsed.
    public let absolutePath: String
    /// The blob the path maps to, or `nil` when it is a plain local file (mapping off, or no mount matches).
    public let blob: BlobTarget?

    /// Whether a mount matched, so the path is backed by a blob.
    public var isMapped: Bool { blob != nil }
}

/// A blob that a logical path maps to, and the local file that caches it.
public struct BlobTarget: Sendable, Hashable {
    /// The name of the storage account configuration (the `storage_account` key of the mount).
    public let storageAccountName: String
    /// The storage account, container and credentials.
    public let account: StorageAccount
    /// The blob name inside the container. For a mount's own folder this is the mount's remote prefix.
    public let blobName: String
    /// The cache file (or, for a folder, the cache folder) for this blob.
    public let cachePath: String
    /// The cache folder of the mount that matched; the cache path is always inside it.
    public let cacheRoot: String
    /// The logical path relative to the mount's `local` prefix; empty for the mount's own folder.
    public let relativePath: String

    /// The container name.
    public var container: String { account.containerName }

    /// The blob's URL, with the blob name percent-encoded and no SAS.
    public var url: URL { account.url(forBlob: blobName) }
}
