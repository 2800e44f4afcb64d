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
}
