import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension BlobNamespace {
    func listing(recursive: Bool) async throws -> FolderListing {
        let base = listingBase
        let prefix = blob.blobName.isEmpty ? "" : blob.blobName + "/"
        let listed = try await AzFuseError.naming(path) {
            try await client().list(prefix: prefix, delimiter: recursive ? nil : "/")
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
                guard mapsBack(base: base, name: name, to: fullName) else {
                    listing.skippedBlobNames.append(fullName)
                    continue
                }
                listing.entries.append(
                    FolderEntry(
                        path: FolderListing.join(base, name), name: name, kind: .file, size: properties.size,
                        lastModified: properties.lastModified))
            case .prefix(let fullName):
                let folderName = String(name.dropLast())
                guard mapsBack(base: base, name: folderName, to: String(fullName.dropLast())) else {
                    listing.skippedBlobNames.append(fullName)
                    continue
                }
                listing.entries.append(
                    FolderEntry(path: FolderListing.join(base, folderName), name: folderName, kind: .folder))
            }
        }
        listing.entries += pendingEntries(base: base, recursive: recursive, listed: listing.entries)
        return listing.sortedByName()
    }

    /// Whether the logical path `base/name` resolves to exactly the blob `blobName` of this folder's account and
    /// container: `name` has no empty, `.` or `..` segment, and no other mount claims the path first.
    private func mapsBack(base: String, name: String, to blobName: String) -> Bool {
        let segments = name.utf8.split(separator: LogicalPath.slash, omittingEmptySubsequences: false)
        guard
            !segments.contains(where: {
                $0.isEmpty || ($0.count <= 2 && $0.allSatisfy { $0 == LogicalPath.dot })
            })
        else { return false }
        let logicalPath = FolderListing.join(base, name)
        guard
            let target = (try? resolver.resolve(logicalPath, currentFolder: FileManager.default.currentDirectoryPath))?
                .blob
        else { return false }
        return target.storageAccountName == blob.storageAccountName && target.container == blob.container
            && target.blobName.utf8.elementsEqual(blobName.utf8)
    }

    /// Files written but still waiting for their upload, which the service does not list yet: with their local size
    /// and time, or (not recursive) as the subfolders that hold them.
    private func pendingEntries(base: String, recursive: Bool, listed: [FolderEntry]) -> [FolderEntry] {
        var known = Set(listed.map { Self.key($0.kind, $0.name) })
        var entries: [FolderEntry] = []
        for relative in pendingUploads.relativeNames(under: blob).sorted() {
            let components = relative.split(separator: "/", maxSplits: 1)
            if !recursive && components.count > 1 {
                let name = String(components[0])
                guard known.insert(Self.key(.folder, name)).inserted else { continue }
                entries.append(FolderEntry(path: FolderListing.join(base, name), name: name, kind: .folder))
                continue
            }
            guard known.insert(Self.key(.file, relative)).inserted else { continue }
            var status = stat()
            let cached = stat(blob.cachePath + "/" + relative, &status) == 0
            entries.append(
                FolderEntry(
                    path: FolderListing.join(base, relative), name: relative, kind: .file,
                    size: cached ? Int64(status.st_size) : nil,
                    lastModified: cached ? Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec)) : nil))
        }
        return entries
    }

    /// An entry's kind and name, to tell a pending entry the service already listed.
    private static func key(_ kind: FolderEntry.Kind, _ name: String) -> String {
        "\(kind)/\(name)"
    }
}
