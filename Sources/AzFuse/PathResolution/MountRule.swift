/// A ``Mount`` with its prefixes normalized into path components, ready for byte-exact matching.
struct MountRule: Sendable {
    /// The mount as configured.
    let mount: Mount
    /// The storage account the mount names.
    let account: StorageAccount
    /// `local` made absolute and normalized.
    let localComponents: [[UInt8]]
    /// `remote` with leading, trailing and repeated slashes and `.` segments removed.
    let remoteComponents: [[UInt8]]
    /// `cache` with `~` expanded, made absolute and normalized.
    let cacheComponents: [[UInt8]]

    /// Normalizes a mount.
    ///
    /// - Parameters:
    ///   - mount: The mount as configured.
    ///   - account: The storage account it names.
    ///   - baseDirectory: The directory relative `local` and `cache` prefixes are resolved against.
    ///   - homeDirectory: What `~` in `cache` expands to.
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` when a prefix is empty or `remote` climbs out of the
    ///   container with `..`.
    init(mount: Mount, account: StorageAccount, baseDirectory: String, homeDirectory: String) throws {
        let name = "mount '\(mount.local)'"
        guard !mount.local.isEmpty else {
            throw AzFuseError(.invalidConfiguration, "\(name) has an empty 'local' prefix; give the logical folder")
        }
        guard !mount.cache.isEmpty else {
            throw AzFuseError(.invalidConfiguration, "\(name) has an empty 'cache' folder; give a local folder")
        }
        self.mount = mount
        self.account = account
        self.localComponents = LogicalPath.absoluteComponents(of: mount.local, base: baseDirectory)

        var remote: [[UInt8]] = []
        for part in Array(mount.remote.utf8).split(separator: LogicalPath.slash) {
            if part.elementsEqual(".".utf8) { continue }
            if part.elementsEqual("..".utf8) {
                throw AzFuseError(
                    .invalidConfiguration,
                    "\(name) has remote '\(mount.remote)' containing '..'; blob prefixes cannot climb out of the "
                        + "container, write the prefix without '..'")
            }
            remote.append(Array(part))
        }
        self.remoteComponents = remote

        var cache = mount.cache
        if cache == "~" || cache.hasPrefix("~/") {
            cache = homeDirectory + cache.dropFirst()
        }
        let cacheComponents = LogicalPath.absoluteComponents(of: cache, base: baseDirectory)
        guard !cacheComponents.isEmpty else {
            throw AzFuseError(
                .invalidConfiguration,
                "\(name) uses '/' as its cache folder; give a dedicated folder such as "
                    + "~/.cache/azfuse/data, because clearing the cache removes files below it")
        }
        self.cacheComponents = cacheComponents
    }
}
