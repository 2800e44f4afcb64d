import AzFuseSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension LocalNamespace {
    func listing(recursive: Bool) async throws -> FolderListing {
        let (folder, base) = (path, listingBase)
        let entries = try await BlockingIO.run { try Self.list(folder, base: base, recursive: recursive) }
        return FolderListing(entries: entries).sortedByName()
    }

    /// The entries of a local folder, hidden files included; with `recursive`, every file below it, without
    /// descending into symbolic links to folders. Runs blocking system calls: call it through ``BlockingIO``.
    private static func list(_ folder: String, base: String, recursive: Bool) throws -> [FolderEntry] {
        switch kind(of: folder) {
        case .folder?: break
        case .file?: throw AzFuseError(.invalidArgument, "this is a file, not a folder", path: base)
        case nil: throw AzFuseError(.notFound, "there is no such folder", path: base)
        }
        var entries: [FolderEntry] = []
        var pending = [""]
        while let relativeFolder = pending.popLast() {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(
                    atPath: FolderListing.join(folder, relativeFolder))
            } catch {
                throw AzFuseError(
                    .fileSystem, "could not list the folder: \(error.localizedDescription)",
                    path: FolderListing.join(base, relativeFolder))
            }
            for name in names {
                let relative = relativeFolder.isEmpty ? name : relativeFolder + "/" + name
                let path = FolderListing.join(folder, relative)
                var status = stat()
                guard stat(path, &status) == 0 else { continue }
                let isDirectory = FileKind(mode: status.st_mode) == .folder
                if recursive && isDirectory {
                    if Syscall.kind(of: path, followingLinks: false) == .folder {
                        pending.append(relative)
                    }
                    continue
                }
                entries.append(
                    FolderEntry(
                        path: FolderListing.join(base, relative), name: relative, kind: isDirectory ? .folder : .file,
                        size: isDirectory ? nil : Int64(status.st_size),
                        lastModified: isDirectory ? nil : Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec))))
            }
        }
        return entries
    }
}
