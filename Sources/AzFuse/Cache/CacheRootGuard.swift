import Synchronization

/// Remembers which cache folders an ``AzFuseClient`` instance has checked with ``SafePath``, so that a cache hit checks its
/// cache folder once per instance and afterwards costs one atomic load.
///
/// The first use of a cache folder (a read, a write, a download) creates it with mode `0700` if it is missing and
/// refuses it if it is a symbolic link, belongs to another user or is writable by others: a folder another user
/// prepared (say under `/tmp`) could otherwise serve them files as cached blobs. Folders inside the cache folder are
/// checked on every miss and write instead (see ``SafePath/verifyFolders(forFile:inside:)``).
final class CacheRootGuard: Sendable {
    private let rootCount: Int
    private let allChecked = Atomic<Bool>(false)
    private let checked = Mutex<Set<String>>([])

    /// Creates a guard for an instance whose mounts use `roots`.
    init(roots: [String]) {
        rootCount = Set(roots).count
    }

    /// Checks `root` unless this instance already did.
    ///
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` naming an unsafe folder.
    func check(_ root: String) throws {
        if allChecked.load(ordering: .acquiring) { return }
        if checked.withLock({ $0.contains(root) }) { return }
        try SafePath.verifyCacheRoot(root)
        let count = checked.withLock { checked in
            checked.insert(root)
            return checked.count
        }
        if count >= rootCount { allChecked.store(true, ordering: .releasing) }
    }
}
