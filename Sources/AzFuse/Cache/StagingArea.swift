import AzFuseBlobClient
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// This process's private staging folders, one per cache folder: `<cache>/.azfuse/staging/<pid>-<random>/`, where
/// partial downloads and azcopy job folders live until they are complete (on the cache's file system, so finished
/// files are renamed into place).
///
/// Each staging folder holds an `owner.lock` that its process keeps `flock`ed while it lives. The first time this
/// process uses a cache folder, it removes the staging folders whose owner lock it can take: their process died
/// (killed mid-download, even in another container sharing the cache), and their partial files would otherwise pile
/// up. A folder whose lock file does not exist yet is being set up by another process and is left alone.
final class StagingArea: Sendable {
    private struct Owned: Sendable {
        let path: String
        let lock: FileLock
    }

    private let owned = Mutex<[String: Owned]>([:])

    init() {}

    /// This process's staging folder in `cacheRoot`, created on first use (when abandoned folders are swept).
    ///
    /// - Throws: ``AzFuseError`` naming the folder if it cannot be created.
    func folder(cacheRoot: String) async throws -> String {
        let (path, isNew) = try owned.withLock { owned -> (String, Bool) in
            if let existing = owned[cacheRoot] { return (existing.path, false) }
            let stagingRoot = CacheLayout.stagingRoot(cacheRoot: cacheRoot)
            try SafePath.verifyFolder(stagingRoot, inside: cacheRoot)
            let created = try Self.create(in: stagingRoot)
            owned[cacheRoot] = created
            return (created.path, true)
        }
        if isNew {
            let root = CacheLayout.stagingRoot(cacheRoot: cacheRoot)
            try? await BlockingIO.run { Self.removeAbandoned(in: root, except: path) }
        }
        return path
    }

    private static func create(in root: String) throws -> Owned {
        try AtomicFileWriter.createFolders(root, mode: 0o700)
        let path = root + "/\(getpid())-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        guard mkdir(path, 0o700) == 0 else { throw AzFuseError.fileSystem("creating the staging folder", path: path) }
        // The lock is taken under another name and only then renamed to owner.lock (a flock belongs to the open file,
        // so it survives the rename): a sweeping process never finds this owner.lock unlocked.
        let lock = try FileLock(path: path + "/owner.lock.new")
        guard try lock.tryLock() else {
            throw AzFuseError(.fileSystem, "a new staging folder is locked by another process", path: path)
        }
        guard rename(path + "/owner.lock.new", path + "/owner.lock") == 0 else {
            throw AzFuseError.fileSystem("publishing the staging folder's owner lock", path: path)
        }
        return Owned(path: path, lock: lock)
    }

    /// Removes the staging folders under `root` whose owner died.
    static func removeAbandoned(in root: String, except own: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for name in names where root + "/" + name != own {
            let folder = root + "/" + name
            var status = stat()
            guard lstat(folder, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { continue }  // never a link
            guard let lock = try? FileLock(path: folder + "/owner.lock", create: false), (try? lock.tryLock()) == true
            else { continue }
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}
