/// One mapping rule: logical paths under ``local`` are blobs under ``remote`` in a storage account, cached under
/// ``cache``.
///
/// This is one entry of an azfuse mapping YAML file:
/// ```yaml
/// - local: data
///   remote: azfuse_data
///   cache: ~/.cache/azfuse/data
///   storage_account: storage_config_name
/// ```
public struct Mount: Sendable, Hashable {
    /// The logical path prefix. A relative prefix is made absolute against the current directory when the
    /// configuration is loaded, as azfuse does.
    public var local: String
    /// The blob name prefix inside the container; empty means the container root.
    public var remote: String
    /// The cache folder; `~` is expanded.
    public var cache: String
    /// The name of the storage account (the base name of its YAML file, or a key of
    /// ``AzFuseConfiguration/storageAccounts``).
    public var storageAccount: String
    /// Where the mount was read from, when it came from a mapping file; errors about the mount name it.
    var origin: MountOrigin?

    /// Creates a mapping rule.
    ///
    /// - Parameters:
    ///   - local: The logical path prefix.
    ///   - remote: The blob name prefix inside the container.
    ///   - cache: The cache folder.
    ///   - storageAccount: The name of the storage account.
    public init(local: String, remote: String, cache: String, storageAccount: String) {
        self.local = local
        self.remote = remote
        self.cache = cache
        self.storageAccount = storageAccount
    }

    /// Two mounts are equal when their four settings are; where they were read from does not count.
    public static func == (lhs: Mount, rhs: Mount) -> Bool {
        lhs.local == rhs.local && lhs.remote == rhs.remote && lhs.cache == rhs.cache
            && lhs.storageAccount == rhs.storageAccount
    }

    /// Hashes the four settings.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(local)
        hasher.combine(remote)
        hasher.combine(cache)
        hasher.combine(storageAccount)
    }

    /// `<file>:<line>:<column>: mount '<local>'` pointing at `key` when the mount came from a mapping file, else
    /// `mount '<local>'`: how errors about this mount start.
    func errorPrefix(key: String) -> String {
        let name = "mount '\(local)'"
        guard let origin else { return name }
        return "\(origin.location(of: key)): \(name)"
    }
}
