import AzFuseSystem
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Stages written files in shared memory for `withAsyncUpload(shmAsTemp: true)`.
///
/// Files go to a private folder `<shared memory>/azfuse-<uid>` (mode 0700, refused if another user owns it or it is
/// not a real folder), inside an owner folder `<pid>-<random>/` per instance holding an `owner.lock` that the
/// instance keeps `flock`ed while it lives. The cache file of the written path becomes a symbolic link to the staged
/// file once it is journaled, so every reader (in any process) sees the new content; once the upload has committed,
/// the content is copied into the cache (replacing the link, with the staged file's modification time) and the
/// staged file is deleted.
///
/// Before a staged file is journaled, a marker `.journaled-<file>` naming the cache folder is written next to it. The
/// first time an instance stages a file, it reclaims what dead owners (whose lock it can take) left: temporary files
/// of interrupted writes, staged files without a marker (never journaled, never published), and staged files whose
/// marker names a cache whose journal no longer refers to them.
final class SharedMemoryStaging: Sendable {
    /// Serializes "is the cache file still a link to this staged file?" with replacing it, within the process.
    private static let cacheFileLock = Mutex(())
    /// The name prefix of the marker written next to a staged file before it is journaled.
    static let markerPrefix = ".journaled-"

    /// The marker of a staged file.
    static func marker(of staged: String) -> String {
        (staged as NSString).deletingLastPathComponent + "/" + markerPrefix + (staged as NSString).lastPathComponent
    }

    /// The private staging folder.
    let folder: String
    /// The free space shared memory must keep.
    let reserveBytes: Int64
    private let owner = Mutex<(path: String, lock: FileLock)?>(nil)

    /// Creates the staging description; nothing is created until ``prepareFolder()``.
    init(options: UploadOptions) {
        folder = options.sharedMemoryFolder + "/azfuse-\(getuid())"
        reserveBytes = options.sharedMemoryReserveBytes
    }

    /// Creates the private folder and this instance's owner folder if needed (reclaiming what dead owners left the
    /// first time), and checks that the private folder is this user's, with mode 0700 (blocking, briefly).
    ///
    /// - Returns: Whether the folder can be used.
    func prepareFolder() -> Bool {
        if owner.withLock({ $0 != nil }) { return true }
        if mkdir(folder, 0o700) != 0 && errno != EEXIST { return false }
        guard Self.isPrivateFolder(folder, fixingMode: true) else { return false }
        let created: Bool = owner.withLock { owner in
            if owner != nil { return false }
            let path = folder + "/\(getpid())-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            guard mkdir(path, 0o700) == 0, let lock = try? FileLock(path: path + "/owner.lock.new"),
                (try? lock.tryLock()) == true, rename(path + "/owner.lock.new", path + "/owner.lock") == 0
            else { return false }
            owner = (path, lock)
            return true
        }
        if created { reclaimAbandoned() }
        return owner.withLock { $0 != nil }
    }

    /// Whether `path` is a real folder (not a link) named `azfuse-<uid>` or inside one, owned by this user with no
    /// access for others.
    static func isPrivateFolder(_ path: String, fixingMode: Bool = false) -> Bool {
        var status = stat()
        guard lstat(path, &status) == 0, FileKind(mode: status.st_mode) == .folder, status.st_uid == getuid() else {
            return false
        }
        let name = (path as NSString).lastPathComponent
        let parentName = ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent
        guard name == "azfuse-\(getuid())" || parentName == "azfuse-\(getuid())" else { return false }
        return (status.st_mode & 0o077) == 0 || (fixingMode && chmod(path, 0o700) == 0)
    }

    /// Removes what dead owners left in the private folder (see the type's description).
    func reclaimAbandoned() {
        let own = owner.withLock { $0?.path }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            let ownerFolder = folder + "/" + name
            guard ownerFolder != own, Syscall.kind(of: ownerFolder, followingLinks: false) == .folder,
                let lock = try? FileLock(path: ownerFolder + "/owner.lock", create: false),
                (try? lock.tryLock()) == true
            else { continue }
            let files = (try? FileManager.default.contentsOfDirectory(atPath: ownerFolder)) ?? []
            for file in files where file != "owner.lock" && !file.hasPrefix(Self.markerPrefix) {
                let staged = ownerFolder + "/" + file
                if !Self.isStillJournaled(staged) {
                    unlink(staged)
                    unlink(Self.marker(of: staged))
                }
            }
            for file in files where file.hasPrefix(Self.markerPrefix) {
                let staged = ownerFolder + "/" + file.dropFirst(Self.markerPrefix.count)
                if access(staged, F_OK) != 0 { unlink(ownerFolder + "/" + file) }
            }
            if ((try? FileManager.default.contentsOfDirectory(atPath: ownerFolder)) ?? []) == ["owner.lock"] {
                unlink(ownerFolder + "/owner.lock")
                rmdir(ownerFolder)
            }
        }
    }

    /// Whether a staged file is named by a record in the journal its marker names.
    private static func isStillJournaled(_ staged: String) -> Bool {
        guard !(staged as NSString).lastPathComponent.hasPrefix("."),
            let data = FileManager.default.contents(atPath: marker(of: staged)),
            let uploads = String(data: data, encoding: .utf8), uploads.hasPrefix("/")
        else { return false }
        let enumerator = FileManager.default.enumerator(atPath: uploads)
        while let relative = enumerator?.nextObject() as? String {
            guard relative.hasSuffix(".json"),
                let record = FileManager.default.contents(atPath: uploads + "/" + relative)
                    .flatMap({ try? JSONDecoder().decode(UploadJournalRecord.self, from: $0) })
            else { continue }
            if record.inSharedMemory && record.snapshot == staged { return true }
        }
        return false
    }

    /// Writes the marker saying `staged` is about to be journaled in `uploadsFolder` (blocking).
    static func markJournaled(_ staged: String, uploadsFolder: String) throws {
        let marker = marker(of: staged)
        guard FileManager.default.createFile(atPath: marker, contents: Data(uploadsFolder.utf8)) else {
            throw AzFuseError.fileSystem("marking the staged file as journaled", path: marker)
        }
    }

    /// Whether shared memory has room for `size` more bytes (or an unknown size) and still keeps the reserve.
    func hasRoom(for size: Int64?) -> Bool {
        var info = statvfs()
        guard statvfs(folder, &info) == 0 else { return false }
        let free = Int64(info.f_bavail) * Int64(info.f_frsize)
        return free >= reserveBytes + (size ?? 0)
    }

    /// A new, unique path in this instance's staging folder for a file named like `cachePath` (call
    /// ``prepareFolder()`` first).
    func newStagingPath(for cachePath: String) -> String {
        let name = (cachePath as NSString).lastPathComponent
        let base = owner.withLock { $0?.path } ?? folder
        return base + "/" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + "-" + String(name.prefix(64))
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
