import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The on-disk record of the uploads one ``AzFuse`` instance has queued under one cache folder, so that a crash
/// loses none of them.
///
/// Layout: `<cache folder>/.azfuse/uploads/<owner>/` holds `owner.lock` (held with `flock` while the instance
/// lives; the kernel drops it when the process dies), one `<id>.json` record per queued upload, and for content
/// staged in the cache folder a `<id>.data` hard link to the written inode, so the content survives a later rewrite
/// of the cache file. A record is written to a temporary file, `fsync`ed, renamed into place, and the folder is
/// `fsync`ed, before the writer moves on. Completing an upload removes the record, then the snapshot.
///
/// Another instance adopts the records of owners whose lock it can take (their process is gone) by moving them into
/// its own folder; records whose upload failed for good move to a shared `failed` folder, where any instance can
/// take them up again.
final class UploadJournal: Sendable {
    /// The cache folder this journal belongs to.
    let cacheRoot: String
    /// This owner's folder.
    let folder: String
    private let ownerLock: FileLock
    private let counter = Mutex<UInt64>(0)

    /// Creates this instance's folder under `cacheRoot` and takes its owner lock.
    ///
    /// - Throws: ``AzFuseError`` naming the folder if it cannot be created or locked.
    init(cacheRoot: String) throws {
        self.cacheRoot = cacheRoot
        let owner = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        folder = Self.uploadsFolder(cacheRoot: cacheRoot) + "/" + owner
        ownerLock = try FileLock(path: folder + "/owner.lock")
        guard try ownerLock.tryLock() else {
            throw AzFuseError(.fileSystem, "a new upload journal folder is locked by another process", path: folder)
        }
    }

    /// The folder holding every owner's journal under a cache folder.
    static func uploadsFolder(cacheRoot: String) -> String {
        CacheLayout.internalFolder(cacheRoot: cacheRoot) + "/uploads"
    }

    /// Records an upload of `content` (blocking: call through ``BlockingIO``).
    ///
    /// - Parameters:
    ///   - target: The blob and cache file.
    ///   - logicalPath: The path the caller wrote, for messages.
    ///   - content: The written file: the cache file (a hard link snapshot is made) or a shared-memory file (used as
    ///     is).
    ///   - inSharedMemory: Whether `content` is in shared memory.
    /// - Returns: The record and its file.
    func record(
        target: BlobTarget, logicalPath: String, content: String, inSharedMemory: Bool
    ) throws -> (record: UploadJournalRecord, path: String) {
        var status = stat()
        guard stat(content, &status) == 0 else {
            throw AzFuseError.fileSystem("reading the written file", path: content)
        }
        let modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        let sequence = counter.withLock { value -> UInt64 in
            value += 1
            return value
        }
        let id = "\(modified)-\(String(sequence, radix: 36))"
        var snapshot = content
        if !inSharedMemory {
            snapshot = folder + "/" + id + ".data"
            guard link(content, snapshot) == 0 else {
                throw AzFuseError.fileSystem("keeping a snapshot of the written file for upload", path: snapshot)
            }
        }
        let record = UploadJournalRecord(
            logicalPath: logicalPath, storageAccountName: target.storageAccountName, blobName: target.blobName,
            relativePath: target.relativePath, cachePath: target.cachePath, snapshot: snapshot,
            inSharedMemory: inSharedMemory, size: Int64(status.st_size), contentModified: modified)
        let path = folder + "/" + id + ".json"
        do {
            try Self.writeDurably(record, to: path)
        } catch {
            if !inSharedMemory { unlink(snapshot) }
            throw error
        }
        return (record, path)
    }

    /// Replaces a record's content (for example after moving its snapshot out of shared memory).
    static func rewrite(_ record: UploadJournalRecord, at path: String) throws {
        try writeDurably(record, to: path)
    }

    /// Removes a record, then its snapshot.
    static func remove(_ record: UploadJournalRecord, at path: String) {
        unlink(path)
        unlink(record.snapshot)
    }

    /// Moves a record whose upload failed for good into the shared `failed` folder, where any instance (in this
    /// process or another) can take it up again (blocking).
    ///
    /// - Returns: The record as moved (its snapshot path changes) and its new file.
    static func release(
        _ record: UploadJournalRecord, at path: String, cacheRoot: String
    ) throws -> (record: UploadJournalRecord, path: String) {
        let folder = uploadsFolder(cacheRoot: cacheRoot) + "/" + failedFolderName
        try AtomicFileWriter.createFolders(folder, mode: 0o700)
        guard let moved = try move(record, from: path, into: folder) else {
            throw AzFuseError(.notFound, "the upload journal record disappeared", path: path)
        }
        return moved
    }

    /// Takes over every record no live uploader owns: those of owners whose lock can be taken (their process is
    /// gone), those in the shared `failed` folder, and this journal's own records not in `active`. Records are moved
    /// into this journal's folder (blocking).
    ///
    /// A move links the snapshot under its new name, writes the new record durably, then removes the old record and
    /// snapshot, so a crash at any point leaves at least one complete copy. A dead owner's folder is removed once
    /// emptied.
    ///
    /// - Parameter active: Record files queued or uploading in this process.
    /// - Returns: The records taken over and their files.
    func adoptAbandoned(excluding active: Set<String>) -> [(record: UploadJournalRecord, path: String)] {
        let root = Self.uploadsFolder(cacheRoot: cacheRoot)
        var adopted: [(record: UploadJournalRecord, path: String)] = []
        for owner in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            let ownerFolder = root + "/" + owner
            var deadOwnerLock: FileLock?
            if ownerFolder != folder && owner != Self.failedFolderName {
                guard let lock = try? FileLock(path: ownerFolder + "/owner.lock"), (try? lock.tryLock()) == true else {
                    continue
                }
                deadOwnerLock = lock
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: ownerFolder)) ?? []
            for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
                let path = ownerFolder + "/" + name
                guard !active.contains(path), !adopted.contains(where: { $0.path == path }),
                    let data = FileManager.default.contents(atPath: path),
                    let record = try? JSONDecoder().decode(UploadJournalRecord.self, from: data), record.version == 1
                else { continue }
                if ownerFolder == folder {
                    adopted.append((record, path))
                } else if let moved = try? Self.move(record, from: path, into: folder) {
                    adopted.append(moved)
                }
            }
            if let deadOwnerLock {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: ownerFolder)) ?? []
                where !name.hasSuffix(".json") && name != "owner.lock" {
                    unlink(ownerFolder + "/" + name)
                }
                unlink(deadOwnerLock.path)
                rmdir(ownerFolder)
            }
        }
        return adopted
    }

    /// The shared folder of records whose upload failed for good.
    private static let failedFolderName = "failed"

    /// Moves a record (and a snapshot in the journal) into `folder`; `nil` if another mover took it first.
    private static func move(
        _ record: UploadJournalRecord, from path: String, into folder: String
    ) throws -> (record: UploadJournalRecord, path: String)? {
        let name = (path as NSString).lastPathComponent
        var moved = record
        if !record.inSharedMemory {
            moved.snapshot = folder + "/" + name.dropLast(5) + ".data"
            if link(record.snapshot, moved.snapshot) != 0 && errno != EEXIST { return nil }
        }
        let destination = folder + "/" + name
        try writeDurably(moved, to: destination)
        unlink(path)
        if !record.inSharedMemory { unlink(record.snapshot) }
        return (moved, destination)
    }

    /// Writes `record` to a temporary file, flushes it, renames it onto `path` and flushes the folder.
    private static func writeDurably(_ record: UploadJournalRecord, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(record)
        let temporary = try AtomicFileWriter.createTemporaryFile(for: path, permissions: .ownerOnly)
        defer { close(temporary.descriptor) }
        do {
            try AtomicFileWriter.writeAll(data, to: temporary.descriptor, path: temporary.path)
            guard fsync(temporary.descriptor) == 0 else {
                throw AzFuseError.fileSystem("flushing the upload journal", path: temporary.path)
            }
            try LocalFile.rename(temporary.path, to: path)
        } catch {
            unlink(temporary.path)
            throw error
        }
        try flushFolder(of: path)
    }

    /// Flushes the folder holding `path`, so a rename or link in it survives a crash of the machine.
    static func flushFolder(of path: String) throws {
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw AzFuseError.fileSystem("flushing the upload journal", path: folder) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw AzFuseError.fileSystem("flushing the upload journal", path: folder) }
    }
}
