import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Stages written files in shared memory for `withAsyncUpload(shmAsTemp: true)`.
///
/// Files go to a private folder `<shared memory>/azfuse-<uid>` (mode 0700, refused if another user owns it or it is
/// not a real folder). The cache file of the written path becomes a symbolic link to the staged file at once, so
/// every reader (in any process) sees the new content; once the upload has committed, the content is copied into
/// the cache (replacing the link, with the staged file's modification time) and the staged file is deleted.
struct SharedMemoryStaging: Sendable {
    /// Serializes "is the cache file still a link to this staged file?" with replacing it, within the process.
    private static let cacheFileLock = Mutex(())

    /// The private staging folder.
    let folder: String
    /// The free space shared memory must keep.
    let reserveBytes: Int64

    /// Creates the staging description; nothing is created until ``prepareFolder()``.
    init(options: UploadOptions) {
        folder = options.sharedMemoryFolder + "/azfuse-\(getuid())"
        reserveBytes = options.sharedMemoryReserveBytes
    }

    /// Creates the private folder if needed and checks that it is this user's, with mode 0700.
    ///
    /// - Returns: Whether the folder can be used.
    func prepareFolder() -> Bool {
        if mkdir(folder, 0o700) != 0 && errno != EEXIST { return false }
        var status = stat()
        guard lstat(folder, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR, status.st_uid == getuid() else {
            return false
        }
        return (status.st_mode & 0o077) == 0 || chmod(folder, 0o700) == 0
    }

    /// Whether shared memory has room for `size` more bytes (or an unknown size) and still keeps the reserve.
    func hasRoom(for size: Int64?) -> Bool {
        var info = statvfs()
        guard statvfs(folder, &info) == 0 else { return false }
        let free = Int64(info.f_bavail) * Int64(info.f_frsize)
        return free >= reserveBytes + (size ?? 0)
    }

    /// A new, unique path in the staging folder for a file named like `cachePath`.
    func newStagingPath(for cachePath: String) -> String {
        let name = (cachePath as NSString).lastPathComponent
        return folder + "/" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + "-" + String(name.prefix(64))
    }

    /// Makes `cachePath` a symbolic link to `staged`, atomically replacing whatever was there.
    ///
    /// - Throws: ``AzFuseError`` naming the cache file.
    static func linkCacheFile(_ cachePath: String, to staged: String) throws {
        let folder = (cachePath as NSString).deletingLastPathComponent
        try AtomicFileWriter.createFolders(folder, mode: 0o700)
        let temporary = folder + "/" + AtomicFileWriter.temporaryName(for: (cachePath as NSString).lastPathComponent)
        guard symlink(staged, temporary) == 0 else {
            throw AzFuseError.fileSystem("pointing the cache file at the staged file", path: temporary)
        }
        try cacheFileLock.withLock { _ in
            do {
                try LocalFile.rename(temporary, to: cachePath)
            } catch {
                unlink(temporary)
                throw error
            }
        }
    }

    /// Replaces the cache file with a copy of `source` if it is still a link to `staged` (no newer write replaced
    /// it), keeping `staged`'s modification time (blocking: call through ``BlockingIO``).
    ///
    /// - Returns: Whether the cache file now holds the copy.
    @discardableResult
    static func promote(_ staged: String, from source: String, into cachePath: String) -> Bool {
        guard isLink(cachePath, to: staged) else { return false }
        let folder = (cachePath as NSString).deletingLastPathComponent
        let temporary = folder + "/" + AtomicFileWriter.temporaryName(for: (cachePath as NSString).lastPathComponent)
        if link(source, temporary) != 0 {
            guard (try? FileManager.default.copyItem(atPath: source, toPath: temporary)) != nil else { return false }
            var status = stat()
            if stat(staged, &status) == 0 {
                var times = [status.st_atim, status.st_mtim]
                utimensat(AT_FDCWD, temporary, &times, 0)
            }
            chmod(temporary, 0o600)
        }
        return cacheFileLock.withLock { _ in
            guard isLink(cachePath, to: staged), rename(temporary, cachePath) == 0 else {
                unlink(temporary)
                return false
            }
            return true
        }
    }

    /// Whether `path` is a symbolic link whose target is `staged`.
    static func isLink(_ path: String, to staged: String) -> Bool {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length > 0 else { return false }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) == staged
    }
}
