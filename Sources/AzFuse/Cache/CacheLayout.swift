/// Where AzFuse keeps its own files inside a mount's cache folder.
///
/// Everything internal lives under `<cache folder>/.azfuse/`: per-file lock files and transfer staging folders. A
/// blob whose name maps onto that folder (a blob named `.azfuse/...` at a mount's root) is not supported.
enum CacheLayout {
    /// The internal folder's name inside each cache folder.
    static let internalFolderName = ".azfuse"

    /// The internal folder of a cache folder.
    static func internalFolder(cacheRoot: String) -> String {
        cacheRoot + "/" + internalFolderName
    }

    /// The lock file that serializes downloads of `target` across processes.
    ///
    /// One lock file per cached path (named by a 64-bit hash of the path relative to the cache folder, spread over
    /// 256 subfolders), so unrelated files never wait for each other. Lock files are never deleted: deleting a lock
    /// file another process has open would let two processes hold "the" lock at once.
    static func lockPath(for target: BlobTarget) -> String {
        let hash = fnv1a64(target.relativePath.utf8)
        let name = String(hash, radix: 16)
        let padded = String(repeating: "0", count: 16 - name.count) + name
        return internalFolder(cacheRoot: target.cacheRoot) + "/locks/" + padded.prefix(2) + "/" + padded + ".lock"
    }

    /// The folder holding every process's staging folder in a cache folder (see ``StagingArea``).
    static func stagingRoot(cacheRoot: String) -> String {
        internalFolder(cacheRoot: cacheRoot) + "/staging"
    }

    /// Whether `relativePath` (relative to a cache folder) is inside the internal folder.
    static func isInternal(relativePath: String) -> Bool {
        relativePath == internalFolderName || relativePath.hasPrefix(internalFolderName + "/")
    }

    /// The error for a logical path that maps into the internal folder.
    static func reservedPathError(path: String) -> AzFuseError {
        AzFuseError(
            .unsupported,
            "paths under '\(internalFolderName)' at a mount's root are reserved for AzFuse's lock, staging and "
                + "upload journal files", path: path)
    }

    private static func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
