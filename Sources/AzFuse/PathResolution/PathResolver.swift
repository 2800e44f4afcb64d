// The PathResolution folder's contract: pure, byte-exact computation from a logical path to a local file or a
// blob and its cache file, with azfuse's mapping rules. No I/O, no network, no mutable state.

/// Maps logical paths to blobs and cache files with azfuse's rules, fixing azfuse's mistakes.
///
/// The rules, in order:
/// 1. The path is made absolute against the current directory *at call time*; `.`, `..` and repeated slashes are
///    collapsed; symlinks are not resolved.
/// 2. The first mount in configuration order whose `local` prefix matches on whole path components wins (not the
///    longest prefix). Components are compared byte for byte.
/// 3. No match means a plain local file.
/// 4. The blob name is the mount's normalized `remote` prefix joined with the rest of the path; the cache file is
///    the mount's cache folder joined with the rest of the path, and can never lie outside that folder.
///
/// A plain immutable value, not an actor: resolution is pure computation on a rule table fixed at creation, done on
/// every call including cache hits, so it must never wait for an executor or touch the disk. State that changes over
/// an instance's life (credentials and their tokens, issue 14) belongs to its own actor, not here.
struct PathResolver: Sendable {
    /// The normalized mounts, in priority order.
    let rules: [MountRule]
    /// Whether mounts apply at all.
    let isEnabled: Bool
    /// The rules' prefixes in bytes, for ``cacheFileForHit(_:)``; empty when mounts do not apply.
    let hitPrefixes: [HitPrefix]

    /// The longest blob name Azure accepts, in characters.
    static let maximumBlobNameLength = 1024

    /// Builds the rule table.
    ///
    /// - Parameters:
    ///   - configuration: The mounts and accounts.
    ///   - baseFolder: The folder relative `local` and `cache` prefixes are resolved against.
    ///   - homeFolder: What `~` expands to in cache folders.
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` when a mount names an unknown account or has an invalid
    ///   prefix.
    init(configuration: AzFuseConfiguration, baseFolder: String, homeFolder: String) throws {
        var rules: [MountRule] = []
        for mount in configuration.mounts {
            guard let account = configuration.storageAccounts[mount.storageAccount] else {
                throw MountRule.error(
                    mount, key: "storage_account",
                    "names storage account '\(mount.storageAccount)', which is not configured; add it to the "
                        + "storage accounts or fix the name")
            }
            rules.append(
                try MountRule(
                    mount: mount, account: account, baseFolder: baseFolder, homeFolder: homeFolder))
        }
        self.rules = rules
        self.isEnabled = configuration.isEnabled
        self.hitPrefixes = configuration.isEnabled ? rules.map(HitPrefix.init) : []
    }

    /// The cache folders of every mount (upload journals live inside them).
    var cacheRoots: [String] {
        isEnabled ? rules.map { LogicalPath.absolutePath($0.cacheComponents) } : []
    }

    /// The cache file of a mapped path, computed without building a ``ResolvedPath``: one copy of bytes, no
    /// intermediate arrays. This is the cache hit's resolution; it agrees with ``resolve(_:currentFolder:)``
    /// wherever it answers.
    ///
    /// - Returns: The cache file and its mount's cache folder, or `nil` when the path needs full resolution
    ///   (unmapped, not normalized, a mount's own folder, a reserved path, or the current directory cannot be read).
    func cacheFileForHit(_ path: String) -> HitPrefix.Hit? {
        guard !hitPrefixes.isEmpty else { return nil }
        var path = path
        return path.withUTF8 { bytes in
            bytes.first == LogicalPath.slash
                ? HitPrefix.cacheFile(forAbsolute: bytes, in: hitPrefixes)
                : HitPrefix.cacheFile(forRelative: bytes, in: hitPrefixes)
        }
    }

    /// Resolves a logical path.
    ///
    /// - Parameters:
    ///   - path: The path as the caller wrote it, relative or absolute.
    ///   - currentFolder: The folder a relative path is resolved against (not evaluated for absolute paths).
    /// - Returns: The resolution: a plain local file, or a blob and its cache file.
    /// - Throws: ``AzFuseError/Code/invalidArgument`` for an empty path or one containing a NUL byte,
    ///   ``AzFuseError/Code/pathOutsideMount`` if the blob name would be too long for Azure.
    func resolve(_ path: String, currentFolder: @autoclosure () -> String) throws -> ResolvedPath {
        guard !path.isEmpty else {
            throw AzFuseError(.invalidArgument, "the path is empty; give a file path such as data/abc.txt")
        }
        guard !path.utf8.contains(0) else {
            throw AzFuseError(.invalidArgument, "the path contains a NUL byte", path: path)
        }
        let components = LogicalPath.absoluteComponents(
            of: path, base: path.utf8.first == LogicalPath.slash ? "" : currentFolder())
        let absolutePath = LogicalPath.absolutePath(components)
        guard isEnabled,
            let rule = rules.first(where: { LogicalPath.hasComponentPrefix(components, $0.localComponents) })
        else {
            return ResolvedPath(path: path, absolutePath: absolutePath, blob: nil)
        }
        let relative = components[rule.localComponents.count...]
        let blobName = LogicalPath.relativePath(rule.remoteComponents + relative)
        guard blobName.count <= Self.maximumBlobNameLength else {
            throw AzFuseError(
                .pathOutsideMount,
                "the blob name would be \(blobName.count) characters long; Azure allows at most "
                    + "\(Self.maximumBlobNameLength), use a shorter path", path: path)
        }
        let target = BlobTarget(
            storageAccountName: rule.mount.storageAccount,
            account: rule.account,
            blobName: blobName,
            cachePath: LogicalPath.absolutePath(rule.cacheComponents + relative),
            cacheRoot: LogicalPath.absolutePath(rule.cacheComponents),
            relativePath: LogicalPath.relativePath(relative)
        )
        return ResolvedPath(path: path, absolutePath: absolutePath, blob: target)
    }
}
