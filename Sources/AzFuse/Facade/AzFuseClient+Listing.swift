import AzFuseBlobClient
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension AzFuseClient {
    /// Lists a folder: its files and subfolders, or with `recursive` every file below it.
    ///
    /// For a mapped folder the service is listed (every page), and entries are logical paths: the folder as you
    /// spelled it joined with the name below it, never blob names. Files written but still waiting for an
    /// asynchronous upload are listed too, with their local size. This works at a mount's own folder and at the
    /// container root (both broke azfuse). Blob Storage has no empty folders, so a mapped folder with nothing below
    /// it lists as empty. A blob and a prefix of the same name (`a` and `a/b`) are both listed. Unmapped folders are
    /// listed from the local file system, hidden files included.
    ///
    /// Every listed path maps back to the blob it was listed for. Blobs whose names cannot (`a//b`, `x/`, `./x`,
    /// `../x`, or names under another mount) are left out; ``listing(_:recursive:)`` names them.
    ///
    /// - Parameters:
    ///   - folder: A logical folder path.
    ///   - recursive: `false` for the folder's own files and subfolders; `true` for every file below it (no
    ///     folders).
    /// - Returns: The entries sorted by name, byte for byte.
    /// - Throws: ``AzFuseError`` naming the folder: for a local folder ``AzFuseError/Code/notFound`` when it does
    ///   not exist and ``AzFuseError/Code/invalidArgument`` when it is a file; service errors for a mapped one.
    public func list(_ folder: String, recursive: Bool = false) async throws -> [FolderEntry] {
        try await listing(folder, recursive: recursive).entries
    }

    /// Lists a folder like ``list(_:recursive:)``, and also names the blobs left out because no logical path maps
    /// to them (see ``FolderListing``).
    ///
    /// - Parameters:
    ///   - folder: A logical folder path.
    ///   - recursive: `false` for the folder's own files and subfolders; `true` for every file below it.
    /// - Returns: The entries sorted by name, and the blob names skipped.
    /// - Throws: As ``list(_:recursive:)``.
    public func listing(_ folder: String, recursive: Bool = false) async throws -> FolderListing {
        let resolved = try resolve(folder)
        let base = Self.listingBase(folder)
        var listing: FolderListing
        if let blob = resolved.blob {
            listing = try await listBlobs(blob, base: base, recursive: recursive, reportedPath: folder)
        } else {
            let localFolder = resolved.path
            listing = FolderListing(
                entries: try await BlockingIO.run {
                    try Self.listLocal(localFolder, base: base, recursive: recursive)
                })
        }
        listing.entries.sort {
            $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
                || ($0.name.utf8.elementsEqual($1.name.utf8) && $0.kind == .file && $1.kind == .folder)
        }
        listing.skippedBlobNames.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return listing
    }

    /// Walks a folder tree top-down, like `os.walk`: each step is a folder with its subfolders and files.
    ///
    /// Folders are listed one at a time as you iterate (one List Blobs request per mapped folder), so breaking out
    /// of the loop early costs nothing more. Local symbolic links to folders are reported but not followed.
    ///
    /// ```swift
    /// for try await step in try fuse.walk("data/run1") {
    ///     print(step.folder, step.subfolders.map(\.name), step.files.map(\.name))
    /// }
    /// ```
    ///
    /// - Parameter folder: The logical folder to start from.
    /// - Returns: The steps, the starting folder first, subfolders in sorted order.
    /// - Throws: ``AzFuseError/Code/invalidArgument`` if `folder` is not a valid logical path; errors while listing
    ///   are thrown by the iteration.
    public func walk(_ folder: String) throws -> FolderWalk {
        _ = try resolve(folder)
        return FolderWalk(fuse: self, root: folder)
    }

    private func listBlobs(
        _ blob: BlobTarget, base: String, recursive: Bool, reportedPath: String
    ) async throws -> FolderListing {
        let prefix = blob.blobName.isEmpty ? "" : blob.blobName + "/"
        let listed = try await naming(reportedPath) {
            try await client(for: blob).list(prefix: prefix, delimiter: recursive ? nil : "/")
        }
        var listing = FolderListing(entries: [])
        for entry in listed {
            let name = String(decoding: entry.name.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
            switch entry {
            case .blob(let fullName, let properties):
                if name.isEmpty || name.hasSuffix("/") {
                    // A folder marker (an empty blob named like a folder) stands for its folder; anything else
                    // named like a folder has no file path.
                    if properties.size != 0 { listing.skippedBlobNames.append(fullName) }
                    continue
                }
                guard mapsBack(base: base, name: name, to: fullName, in: blob) else {
                    listing.skippedBlobNames.append(fullName)
                    continue
                }
                listing.entries.append(
                    FolderEntry(
                        path: Self.join(base, name), name: name, kind: .file, size: properties.size,
                        lastModified: properties.lastModified))
            case .prefix(let fullName):
                let folderName = String(name.dropLast())
                guard mapsBack(base: base, name: folderName, to: String(fullName.dropLast()), in: blob) else {
                    listing.skippedBlobNames.append(fullName)
                    continue
                }
                listing.entries.append(
                    FolderEntry(path: Self.join(base, folderName), name: folderName, kind: .folder))
            }
        }
        listing.entries += pendingEntries(under: blob, base: base, recursive: recursive, listed: listing.entries)
        return listing
    }

    /// Whether the logical path `base/name` resolves to exactly the blob `blobName` of `folder`'s account and
    /// container: `name` has no empty, `.` or `..` segment, and no other mount claims the path first.
    private func mapsBack(base: String, name: String, to blobName: String, in folder: BlobTarget) -> Bool {
        let segments = name.utf8.split(separator: LogicalPath.slash, omittingEmptySubsequences: false)
        guard
            !segments.contains(where: {
                $0.isEmpty || ($0.count <= 2 && $0.allSatisfy { $0 == LogicalPath.dot })
            })
        else { return false }
        guard let target = (try? resolve(Self.join(base, name)))?.blob else { return false }
        return target.storageAccountName == folder.storageAccountName && target.container == folder.container
            && target.blobName.utf8.elementsEqual(blobName.utf8)
    }

    /// Files written but still waiting for their upload, which the service does not list yet: with their local size
    /// and time, or (not recursive) as the subfolders that hold them.
    private func pendingEntries(
        under folder: BlobTarget, base: String, recursive: Bool, listed: [FolderEntry]
    ) -> [FolderEntry] {
        var known = Set(listed.map { "\($0.kind)/\($0.name)" })
        var entries: [FolderEntry] = []
        for relative in uploads.pendingUploads.relativeNames(under: folder).sorted() {
            let components = relative.split(separator: "/", maxSplits: 1)
            if !recursive && components.count > 1 {
                let name = String(components[0])
                guard known.insert("directory/\(name)").inserted else { continue }
                entries.append(FolderEntry(path: Self.join(base, name), name: name, kind: .folder))
                continue
            }
            guard known.insert("file/\(relative)").inserted else { continue }
            var status = stat()
            let cached = stat(folder.cachePath + "/" + relative, &status) == 0
            entries.append(
                FolderEntry(
                    path: Self.join(base, relative), name: relative, kind: .file,
                    size: cached ? Int64(status.st_size) : nil,
                    lastModified: cached ? Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec)) : nil))
        }
        return entries
    }

    /// The folder as the caller spelled it, without trailing slashes (except `/` itself).
    private static func listingBase(_ folder: String) -> String {
        var base = folder
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        return base
    }

    private static func join(_ base: String, _ name: String) -> String {
        base == "/" ? "/" + name : base + "/" + name
    }

    private static func listLocal(_ folder: String, base: String, recursive: Bool) throws -> [FolderEntry] {
        switch localKind(of: folder) {
        case .folder?: break
        case .file?: throw AzFuseError(.invalidArgument, "this is a file, not a folder", path: base)
        case nil: throw AzFuseError(.notFound, "there is no such folder", path: base)
        }
        var entries: [FolderEntry] = []
        var pending = [""]
        while let relativeFolder = pending.popLast() {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: join(folder, relativeFolder))
            } catch {
                throw AzFuseError(
                    .fileSystem, "could not list the folder: \(error.localizedDescription)",
                    path: join(base, relativeFolder))
            }
            for name in names {
                let relative = relativeFolder.isEmpty ? name : relativeFolder + "/" + name
                let path = join(folder, relative)
                var status = stat()
                guard stat(path, &status) == 0 else { continue }
                let isDirectory = status.st_mode & S_IFMT == S_IFDIR
                if recursive && isDirectory {
                    var linkStatus = stat()
                    if lstat(path, &linkStatus) == 0 && linkStatus.st_mode & S_IFMT == S_IFDIR {
                        pending.append(relative)
                    }
                    continue
                }
                entries.append(
                    FolderEntry(
                        path: join(base, relative), name: relative, kind: isDirectory ? .folder : .file,
                        size: isDirectory ? nil : Int64(status.st_size),
                        lastModified: isDirectory ? nil : Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec))))
            }
        }
        return entries
    }
}
