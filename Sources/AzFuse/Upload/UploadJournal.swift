import AzFuseSystem
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The on-disk record of the uploads one ``AzFuseClient`` instance has queued under one cache folder, so that a crash
/// loses none of them.
///
/// Layout: `<cache folder>/.azfuse/uploads/<owner>/` holds `owner.lock` (held with `flock` while the instance
/// lives; the kernel drops it when the process dies), one `<id>.json` record per queued upload, and for content
/// staged in the cache folder a `<id>.data` hard link to the written inode, so the content survives a later rewrite
/// of the cache file. A record is written to a temporary file, `fsync`ed, renamed into place, and the folder is
/// `fsync`ed, before the writer moves on. Completing an upload removes the record, then the snapshot.
///
/// Another instance adopts the records of owners whose lock it can take (their process is gone) by moving them into
/// its own folder; records whose upload failed for good move to a shared `failed` folder (transient causes: retried
/// by the next automatic resume) or `parked` folder (permanent causes such as a refused credential: retried only on
/// request, `resumePendingUploads()` or `azfuse uploads retry`). A record that does not pass validation (its
/// snapshot is not its own file in the journal or a staged file in AzFuse's shared-memory folder, or its blob is not
/// where its path maps) moves to `rejected` and is never uploaded; nothing outside AzFuse's folders is deleted.
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

    /// A file's modification time in nanoseconds since 1970.
    private static func modificationTime(_ status: stat) -> Int64 {
        Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
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
    ///   - claim: Called with the record file before it appears, so a concurrent resume in this process never takes
    ///     it for an abandoned one.
    /// - Returns: The record and its file.
    func record(
        target: BlobTarget, logicalPath: String, content: String, inSharedMemory: Bool,
        claim: (String) -> Void = { _ in }
    ) throws -> (record: UploadJournalRecord, path: String) {
        var status = stat()
        var snapshot = content
        var id = ""
        for attempt in 1...3 {
            guard stat(content, &status) == 0 else {
                throw AzFuseError.fileSystem("reading the written file", path: content)
            }
            let sequence = counter.withLock { value -> UInt64 in
                value += 1
                return value
            }
            id = "\(Self.modificationTime(status))-\(String(sequence, radix: 36))"
            if inSharedMemory {
                try SharedMemoryStaging.markJournaled(content, uploadsFolder: Self.uploadsFolder(cacheRoot: cacheRoot))
                break
            }
            snapshot = folder + "/" + id + ".data"
            if link(content, snapshot) == 0 {
                // The linked inode is what will be uploaded: the record takes its size and time, in case another
                // writer replaced the cache file between the stat and the link.
                guard stat(snapshot, &status) == 0 else {
                    unlink(snapshot)
                    throw AzFuseError.fileSystem("reading the snapshot of the written file", path: snapshot)
                }
                break
            }
            // Linux refuses to link an inode whose last name went away meanwhile (ENOENT): another writer renamed
            // newer content onto the cache file between the stat and the link. Journal that content instead.
            guard errno == ENOENT, attempt < 3 else {
                throw AzFuseError.fileSystem("keeping a snapshot of the written file for upload", path: snapshot)
            }
        }
        let modified = Self.modificationTime(status)
        let record = UploadJournalRecord(
            logicalPath: logicalPath, storageAccountName: target.storageAccountName, blobName: target.blobName,
            relativePath: target.relativePath, cachePath: target.cachePath, snapshot: snapshot,
            inSharedMemory: inSharedMemory, size: Int64(status.st_size), contentModified: modified)
        let path = folder + "/" + id + ".json"
        claim(path)
        do {
            try Self.writeDurably(record, to: path)
        } catch {
            if !inSharedMemory { unlink(snapshot) }
            throw error
        }
        return (record, path)
    }

    /// The newest content modification time recorded for `cachePath` by any record under `uploadsFolder` (every
    /// owner, live or dead, and the shared folders), or `nil` if none (blocking).
    static func newestRecorded(cachePath: String, in uploadsFolder: String) -> Int64? {
        var newest: Int64?
        let enumerator = FileManager.default.enumerator(atPath: uploadsFolder)
        while let relative = enumerator?.nextObject() as? String {
            guard relative.hasSuffix(".json"), !relative.hasPrefix(rejectedFolderName + "/"),
                let data = FileManager.default.contents(atPath: uploadsFolder + "/" + relative),
                let record = try? JSONDecoder().decode(UploadJournalRecord.self, from: data),
                record.cachePath == cachePath
            else { continue }
            newest = max(newest ?? .min, record.contentModified)
        }
        return newest
    }

    /// Replaces a record's content (for example after moving its snapshot out of shared memory).
    static func rewrite(_ record: UploadJournalRecord, at path: String) throws {
        try writeDurably(record, to: path)
    }

    /// Removes a record, then its snapshot if it is AzFuse's own file (the record's `.data` file in the journal, or
    /// a staged file in a private shared-memory folder).
    static func remove(_ record: UploadJournalRecord, at path: String) {
        unlink(path)
        if snapshotProblem(record, recordPath: path) == nil {
            unlink(record.snapshot)
            if record.inSharedMemory { unlink(SharedMemoryStaging.marker(of: record.snapshot)) }
        }
    }

    /// Why a record's snapshot is not acceptable, or `nil` if it is AzFuse's own file: the record's `<id>.data`
    /// next to it (not a symbolic link), or for shared memory a file directly inside a private `azfuse-<uid>`
    /// folder (or an owner folder in it) that belongs to this user.
    static func snapshotProblem(_ record: UploadJournalRecord, recordPath: String) -> String? {
        let snapshot = record.snapshot
        let components = snapshot.split(separator: "/", omittingEmptySubsequences: false)
        guard snapshot.hasPrefix("/"),
            !components.dropFirst().contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
        else { return "names the snapshot \(snapshot), which is not a normalized absolute path" }
        if record.inSharedMemory {
            let parent = (snapshot as NSString).deletingLastPathComponent
            let grandparent = (parent as NSString).deletingLastPathComponent
            guard SharedMemoryStaging.isPrivateFolder(parent) || SharedMemoryStaging.isPrivateFolder(grandparent) else {
                return "names the staged file \(snapshot), which is not in AzFuse's private shared-memory folder"
            }
        } else if snapshot != String(recordPath.dropLast(5)) + ".data" {
            return "names the snapshot \(snapshot), which is not the record's own file in the upload journal"
        }
        if let kind = Syscall.kind(of: snapshot, followingLinks: false), kind != .regular {
            return "names the snapshot \(snapshot), which is not a regular file"
        }
        return nil
    }

    /// Moves a record that must never be uploaded into the `rejected` folder (with its snapshot only when that is
    /// the record's own file in the journal), so it can be inspected; nothing else is touched (blocking).
    static func reject(_ record: UploadJournalRecord, at path: String, cacheRoot: String) {
        let folder = uploadsFolder(cacheRoot: cacheRoot) + "/" + rejectedFolderName
        try? AtomicFileWriter.createFolders(folder, mode: 0o700)
        let name = (path as NSString).lastPathComponent
        let ownSnapshot = String(path.dropLast(5)) + ".data"
        if !record.inSharedMemory && record.snapshot == ownSnapshot {
            rename(ownSnapshot, folder + "/" + name.dropLast(5) + ".data")
        }
        if rename(path, folder + "/" + name) != 0 { unlink(path) }
    }

    /// Moves a record whose upload failed for good into the shared `failed` folder, where any instance (in this
    /// process or another) can take it up again (blocking).
    ///
    /// - Returns: The record as moved (its snapshot path changes) and its new file.
    /// - Parameter parked: Whether the cause is permanent (the record goes to `parked`, retried only on request).
    static func release(
        _ record: UploadJournalRecord, at path: String, cacheRoot: String, parked: Bool
    ) throws -> (record: UploadJournalRecord, path: String) {
        let folder = uploadsFolder(cacheRoot: cacheRoot) + "/" + (parked ? parkedFolderName : failedFolderName)
        try AtomicFileWriter.createFolders(folder, mode: 0o700)
        guard let moved = try move(record, from: path, into: folder) else {
            throw AzFuseError(.notFound, "the upload journal record disappeared", path: path)
        }
        return moved
    }

    /// Takes over every record no live uploader owns: those of owners whose lock can be taken (their process is
    /// gone), those in the shared `failed` folder (and `parked`, when asked), and this journal's own records not in
    /// `active`. Records are moved into this journal's folder (blocking). Records whose snapshot is not AzFuse's own
    /// file are moved to `rejected` and reported instead.
    ///
    /// A move links the snapshot under its new name, writes the new record durably, then removes the old record and
    /// snapshot, so a crash at any point leaves at least one complete copy. A dead owner's folder is removed once
    /// emptied.
    ///
    /// - Parameters:
    ///   - isActive: Whether a record file is queued or uploading in this process (asked when the record is found, so
    ///     a record claimed meanwhile is left alone).
    ///   - includingParked: Whether records parked after a permanent failure are taken too.
    ///   - selected: When given, only records it accepts are taken.
    /// - Returns: The records taken over and their files, and the records refused.
    func adoptAbandoned(
        excluding isActive: (String) -> Bool, includingParked: Bool,
        selected: (@Sendable (UploadJournalRecord) -> Bool)? = nil
    ) -> (adopted: [(record: UploadJournalRecord, path: String)], rejected: [AzFuseError]) {
        let root = Self.uploadsFolder(cacheRoot: cacheRoot)
        var adopted: [(record: UploadJournalRecord, path: String)] = []
        var rejected: [AzFuseError] = []
        for owner in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            let ownerFolder = root + "/" + owner
            var deadOwnerLock: FileLock?
            if owner == Self.rejectedFolderName || (owner == Self.parkedFolderName && !includingParked) { continue }
            if ownerFolder != folder && owner != Self.failedFolderName && owner != Self.parkedFolderName {
                guard let lock = try? FileLock(path: ownerFolder + "/owner.lock"), (try? lock.tryLock()) == true else {
                    continue
                }
                deadOwnerLock = lock
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: ownerFolder)) ?? []
            for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
                let path = ownerFolder + "/" + name
                guard !isActive(path), !adopted.contains(where: { $0.path == path }),
                    let data = FileManager.default.contents(atPath: path),
                    let record = try? JSONDecoder().decode(UploadJournalRecord.self, from: data), record.version == 1
                else { continue }
                if let selected, !selected(record) { continue }
                if let problem = Self.snapshotProblem(record, recordPath: path) {
                    Self.reject(record, at: path, cacheRoot: cacheRoot)
                    rejected.append(
                        AzFuseError(
                            .uploadFailed,
                            "a pending upload record \(problem); it was not uploaded and was moved to "
                                + Self.uploadsFolder(cacheRoot: cacheRoot) + "/" + Self.rejectedFolderName,
                            path: record.logicalPath))
                    continue
                }
                if ownerFolder == folder {
                    adopted.append((record, path))
                } else if let moved = try? Self.move(record, from: path, into: folder) {
                    adopted.append(moved)
                }
            }
            if let deadOwnerLock {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: ownerFolder)) ?? []
                where !name.hasSuffix(".json") && name != "owner.lock" {
                    guard let kind = Syscall.kind(of: ownerFolder + "/" + name, followingLinks: false),
                        kind != .folder
                    else { continue }
                    unlink(ownerFolder + "/" + name)
                }
                unlink(deadOwnerLock.path)
                rmdir(ownerFolder)
                deadOwnerLock.unlock()  // held explicitly to here: a lock never ends with a value's lifetime
            }
        }
        return (adopted, rejected)
    }

    /// Every record under a cache folder's journal with its state (blocking). Owners whose lock can be taken are
    /// dead (their records are `abandoned`); the lock is released at once.
    static func listRecords(cacheRoot: String) -> [(
        record: UploadJournalRecord, path: String, state: PendingUploadEntry.State
    )] {
        let root = uploadsFolder(cacheRoot: cacheRoot)
        var listed: [(record: UploadJournalRecord, path: String, state: PendingUploadEntry.State)] = []
        for owner in ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted() {
            let ownerFolder = root + "/" + owner
            let state: PendingUploadEntry.State
            switch owner {
            case failedFolderName: state = .failed
            case parkedFolderName: state = .parked
            case rejectedFolderName: state = .rejected
            default:
                let lock = try? FileLock(path: ownerFolder + "/owner.lock", create: false)
                state = (try? lock?.tryLock()) == true ? .abandoned : .queued
            }
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: ownerFolder)) ?? []).sorted()
            where name.hasSuffix(".json") && !name.hasPrefix(".") {
                let path = ownerFolder + "/" + name
                guard let data = FileManager.default.contents(atPath: path),
                    let record = try? JSONDecoder().decode(UploadJournalRecord.self, from: data)
                else { continue }
                listed.append((record, path, state))
            }
        }
        return listed
    }

    /// Removes records of dead owners and of the shared folders that `matches` selects, with their snapshots when
    /// those are AzFuse's own files (blocking); records of live processes are left alone.
    ///
    /// - Returns: The records removed.
    static func discard(
        cacheRoot: String, where matches: (UploadJournalRecord) -> Bool
    ) -> [(record: UploadJournalRecord, path: String, state: PendingUploadEntry.State)] {
        var discarded: [(record: UploadJournalRecord, path: String, state: PendingUploadEntry.State)] = []
        for entry in listRecords(cacheRoot: cacheRoot) where entry.state != .queued && matches(entry.record) {
            if entry.state == .rejected {
                unlink(entry.path)
                if !entry.record.inSharedMemory && entry.record.snapshot == String(entry.path.dropLast(5)) + ".data" {
                    unlink(entry.record.snapshot)
                }
            } else {
                remove(entry.record, at: entry.path)
            }
            discarded.append(entry)
        }
        return discarded
    }

    /// The shared folder of records whose upload failed for good with a transient cause.
    static let failedFolderName = "failed"
    /// The shared folder of records whose upload failed with a permanent cause (permission, authentication, not
    /// found): retried only on request.
    static let parkedFolderName = "parked"
    /// The folder of records refused by validation: never uploaded, kept for inspection.
    static let rejectedFolderName = "rejected"

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
        if !record.inSharedMemory && record.snapshot == String(path.dropLast(5)) + ".data" { unlink(record.snapshot) }
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
