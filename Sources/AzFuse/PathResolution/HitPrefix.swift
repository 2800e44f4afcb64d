#if canImport(Glibc)
    import Glibc
#endif

/// A mount's `local` and `cache` prefixes as absolute paths in bytes: what the cache-hit path needs to turn a logical
/// path into its cache file with one copy and no intermediate arrays.
struct HitPrefix: Sendable {
    /// The mount's absolute `local` prefix (`/` for the root).
    let local: [UInt8]
    /// The mount's absolute cache folder.
    let cache: [UInt8]
    /// The same folder as a string, as ``BlobTarget/cacheRoot`` spells it.
    let cacheRoot: String

    init(_ rule: MountRule) {
        local = Array(LogicalPath.absolutePath(rule.localComponents).utf8)
        cacheRoot = LogicalPath.absolutePath(rule.cacheComponents)
        cache = Array(cacheRoot.utf8)
    }

    /// A cache file and the cache folder it lies in.
    typealias Hit = (cacheFile: String, cacheRoot: String)

    /// The cache file of the first matching prefix for an absolute path that is already normalized, or `nil` when
    /// the path needs ``PathResolver/resolve(_:currentFolder:)``: not normalized (`//`, `.` or `..` segments, a
    /// trailing slash, a NUL byte), unmapped, a mount's own folder, or inside the cache's internal folder.
    static func cacheFile(forAbsolute path: UnsafeBufferPointer<UInt8>, in prefixes: [HitPrefix]) -> Hit? {
        guard isNormalizedAbsolute(path) else { return nil }
        for prefix in prefixes {
            guard let restStart = prefix.matchEnd(in: path) else { continue }
            let rest = UnsafeBufferPointer(rebasing: path[restStart...])
            guard rest.count > 1, !isInternal(rest) else { return nil }
            let file = String(unsafeUninitializedCapacity: prefix.cache.count + rest.count) { buffer in
                var written = buffer.initialize(fromContentsOf: prefix.cache)
                written = buffer[written...].initialize(fromContentsOf: rest)
                return written
            }
            return (file, prefix.cacheRoot)
        }
        return nil
    }

    /// The cache file for a path relative to the current directory; see ``cacheFile(forAbsolute:in:)``.
    static func cacheFile(forRelative path: UnsafeBufferPointer<UInt8>, in prefixes: [HitPrefix]) -> Hit? {
        let capacity = Int(PATH_MAX) + 1 + path.count
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer -> Hit? in
            guard let base = buffer.baseAddress, getcwd(base, Int(PATH_MAX)) != nil else { return nil }
            let directoryLength = strlen(base)
            return buffer.withMemoryRebound(to: UInt8.self) { bytes in
                bytes[directoryLength] = LogicalPath.slash
                _ = bytes[(directoryLength + 1)...].initialize(fromContentsOf: path)
                let joined = UnsafeBufferPointer(rebasing: bytes[..<(directoryLength + 1 + path.count)])
                return cacheFile(forAbsolute: joined, in: prefixes)
            }
        }
    }

    /// Where the part after this prefix starts in `path`, if the prefix matches on whole components.
    private func matchEnd(in path: UnsafeBufferPointer<UInt8>) -> Int? {
        if local.count == 1 { return 0 }  // the root matches every absolute path
        guard path.count >= local.count, path[local.count - 1] == local[local.count - 1],
            path.count == local.count || path[local.count] == LogicalPath.slash,
            UnsafeBufferPointer(rebasing: path[..<local.count]).elementsEqual(local)
        else { return nil }
        return local.count
    }

    /// Whether `path` starts with `/` and has no empty, `.` or `..` component, no trailing slash and no NUL byte.
    private static func isNormalizedAbsolute(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
        guard path.count > 1, path[0] == LogicalPath.slash, path[path.count - 1] != LogicalPath.slash else {
            return false
        }
        var componentStart = 1
        for index in 1...path.count {
            let atEnd = index == path.count
            if !atEnd && path[index] != LogicalPath.slash {
                if path[index] == 0 { return false }
                continue
            }
            let length = index - componentStart
            if length == 0 { return false }
            if path[componentStart] == LogicalPath.dot
                && (length == 1 || (length == 2 && path[componentStart + 1] == LogicalPath.dot))
            {
                return false
            }
            componentStart = index + 1
        }
        return true
    }

    /// Whether `rest` (starting with `/`) is the cache's internal folder or inside it.
    private static func isInternal(_ rest: UnsafeBufferPointer<UInt8>) -> Bool {
        let name = CacheLayout.internalFolderName.utf8
        guard rest.count > name.count, rest.dropFirst().starts(with: name) else { return false }
        return rest.count == name.count + 1 || rest[name.count + 1] == LogicalPath.slash
    }
}
