// The Configuration folder's contract: the public configuration values (AzFuseConfiguration, Mount,
// StorageAccount) and their azfuse-compatible loading from environment variables and YAML files (parsed by the
// AzFuseYAML target). Loading either succeeds with a complete configuration or throws invalidConfiguration naming
// the file, line or variable; nothing here does I/O after loading.

/// Everything an ``AzFuseClient`` instance needs: whether mapping is on, the mounts, the storage accounts, and where
/// azcopy is.
///
/// Build one in code, or load the azfuse-compatible environment variables and YAML files with
/// ``fromEnvironment(_:currentFolder:)``.
///
/// ```swift
/// let configuration = AzFuseConfiguration(
///     mounts: [Mount(local: "data", remote: "azfuse_data", cache: "~/.cache/azfuse/data", storageAccount: "main")],
///     storageAccounts: ["main": StorageAccount(accountName: "mydata", containerName: "train", sasToken: sas)]
/// )
/// let fuse = try AzFuseClient(configuration: configuration)
/// ```
public struct AzFuseConfiguration: Sendable {
    /// Whether mounts apply. When `false` (azfuse's default), every path is a plain local file.
    public var isEnabled: Bool
    /// The mapping rules, in priority order: the first mount whose ``Mount/local`` prefix matches wins.
    public var mounts: [Mount]
    /// The storage accounts that mounts name, by name.
    public var storageAccounts: [String: StorageAccount]
    /// The azcopy executable to use; `nil` means `~/code/azcopy/azcopy` if it exists, else `azcopy` on `PATH`.
    public var azcopyPath: String?
    /// The directory that relative ``Mount/local`` prefixes are resolved against; `nil` means the current directory
    /// at the time the ``AzFuseClient`` instance is created.
    public var baseFolder: String?
    /// How transfers are routed between the native client and azcopy.
    public var transfer: TransferOptions
    /// How writes to mapped paths are uploaded (back-pressure, retries, shared-memory staging).
    public var upload: UploadOptions

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - isEnabled: Whether mounts apply; defaults to `true` for a configuration built in code.
    ///   - mounts: The mapping rules, first match wins.
    ///   - storageAccounts: The storage accounts by name.
    ///   - azcopyPath: The azcopy executable, or `nil` to search the default places.
    ///   - baseFolder: The folder relative mount prefixes are resolved against, or `nil` for the current one.
    ///   - transfer: How transfers are routed between the native client and azcopy.
    ///   - upload: How writes to mapped paths are uploaded.
    public init(
        isEnabled: Bool = true,
        mounts: [Mount] = [],
        storageAccounts: [String: StorageAccount] = [:],
        azcopyPath: String? = nil,
        baseFolder: String? = nil,
        transfer: TransferOptions = TransferOptions(),
        upload: UploadOptions = UploadOptions()
    ) {
        self.isEnabled = isEnabled
        self.mounts = mounts
        self.storageAccounts = storageAccounts
        self.azcopyPath = azcopyPath
        self.baseFolder = baseFolder
        self.transfer = transfer
        self.upload = upload
    }
}
