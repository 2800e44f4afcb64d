/// A ``Mount`` with its prefixes normalized into path components, ready for byte-exact matching.
struct MountRule: Sendable {
    /// The mount as configured.
    let mount: Mount
    /// The storage account the mount names.
    let account: StorageAccount
    /// `local` made absolute and normalized.
    let localComponents: [[UInt8]]
    /// `remote` with leading, trailing and repeated slashes and `.` segments removed, and `..` segments applied.
    let remoteComponents: [[UInt8]]
    /// `cache` with `~` expanded, made absolute and normalized.
    let cacheComponents: [[UInt8]]

    /// Normalizes a mount.
    ///
    /// - Parameters:
    ///   - mount: The mount as configured.
    ///   - account: The storage account it names.
    ///   - baseFolder: The folder relative `local` and `cache` prefixes are resolved against.
    ///   - homeFolder: What `~` in `cache` expands to.
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` when a prefix is empty, the cache folder is `/` or `remote`
    ///   climbs above the container root with `..`; the message names the mapping file and line the mount came from.
    init(mount: Mount, account: StorageAccount, baseFolder: String, homeFolder: String) throws {
        guard !mount.local.isEmpty else {
            throw Self.error(
                mount, key: "local", "has an empty 'local' prefix; give the logical folder, such as data")
        }
        guard !mount.cache.isEmpty else {
            throw Self.error(
                mount, key: "cache", "has an empty 'cache' folder; give a local folder, such as /tmp/azfuse/data")
        }
        self.mount = mount
        self.account = account
        self.localComponents = LogicalPath.absoluteComponents(of: mount.local, base: baseFolder)
        self.remoteComponents = try Self.remoteComponents(of: mount)

        var cache = mount.cache
        if cache == "~" || cache.hasPrefix("~/") {
            cache = homeFolder + cache.dropFirst()
        }
        let cacheComponents = LogicalPath.absoluteComponents(of: cache, base: baseFolder)
        guard !cacheComponents.isEmpty else {
            throw Self.error(
                mount, key: "cache",
                "uses '/' as its cache folder ('\(mount.cache)'); give a dedicated folder such as "
                    + "~/.cache/azfuse/data, because clearing the cache removes files below it")
        }
        self.cacheComponents = cacheComponents
    }

    /// The components of `remote` with empty and `.` segments dropped and each `..` removing the segment before it,
    /// as azfuse's path joining does (`h5/./x/../y` is `h5/y`).
    ///
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` naming the mount (and its mapping file) when a `..` climbs
    ///   above the container root, such as `../x` or `a/../../x`.
    static func remoteComponents(of mount: Mount) throws -> [[UInt8]] {
        var components: [[UInt8]] = []
        for part in Array(mount.remote.utf8).split(separator: LogicalPath.slash) {
            if part.elementsEqual(".".utf8) { continue }
            if part.elementsEqual("..".utf8) {
                guard !components.isEmpty else {
                    throw error(
                        mount, key: "remote",
                        "has remote '\(mount.remote)', whose '..' climbs above the container root; blob prefixes "
                            + "cannot leave the container, write the prefix without the leading '..'")
                }
                components.removeLast()
                continue
            }
            components.append(Array(part))
        }
        return components
    }

    /// An ``AzFuseError/Code/invalidConfiguration`` error about `mount`, naming its mapping file and the line of
    /// `key` when it was read from one, and the mapping file as the error's path.
    static func error(_ mount: Mount, key: String, _ problem: String) -> AzFuseError {
        AzFuseError(.invalidConfiguration, "\(mount.errorPrefix(key: key)) \(problem)", path: mount.origin?.file)
    }
}
