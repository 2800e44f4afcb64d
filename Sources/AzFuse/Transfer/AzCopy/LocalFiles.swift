import AzFuseSystem
import Foundation
import Glibc

/// The local file operations the azcopy engine needs, with errors as ``AzFuseError``.
enum LocalFiles {
    /// Moves `source` onto `destination` so that a reader sees either the old file or the complete new one.
    ///
    /// Parent folders of `destination` are created. On the same file system this is one `rename(2)`; across file
    /// systems the file is first copied to a hidden temporary name next to `destination`, then renamed.
    ///
    /// - Throws: ``AzFuseError`` (the system-call factory's code, usually `.fileSystem`).
    static func moveAtomically(from source: String, to destination: String) throws {
        try createParentFolders(of: destination)
        if rename(source, destination) == 0 { return }
        let failure = SystemCallError("rename", path: destination)
        guard failure.code == EXDEV else { throw AzFuseError(failure, doing: "moving the downloaded file into place") }
        let directory = (destination as NSString).deletingLastPathComponent
        let name = (destination as NSString).lastPathComponent
        let temporary = directory + "/." + name + ".azfuse-" + UUID().uuidString.lowercased()
        do {
            try FileManager.default.copyItem(atPath: source, toPath: temporary)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw AzFuseError(
                .fileSystem,
                "cannot copy the downloaded file to its destination's file system",
                path: destination,
                underlying: error
            )
        }
        guard rename(temporary, destination) == 0 else {
            let failure = SystemCallError("rename", path: destination)
            Syscall.removeQuietly(temporary)
            throw AzFuseError(failure, doing: "moving the downloaded file into place")
        }
        unlink(source)
    }

    /// Makes `link` name the same file as `source`: a hard link, or a copy when a hard link is impossible (another
    /// file system, a link-count limit, a file system without hard links).
    ///
    /// - Throws: ``AzFuseError`` with code `.notFound` if `source` does not exist, `.permissionDenied` if it cannot be
    ///   examined, `.invalidArgument` if it is not a regular file, `.fileSystem` otherwise.
    static func linkOrCopy(_ source: String, to link: String) throws {
        var info = stat()
        guard stat(source, &info) == 0 else {
            throw AzFuseError(SystemCallError("stat", path: source), doing: "reading the file to upload")
        }
        guard FileKind(mode: info.st_mode) == .regular else {
            throw AzFuseError(.invalidArgument, "only regular files can be uploaded", path: source)
        }
        try createParentFolders(of: link)
        if Glibc.link(source, link) == 0 { return }
        do {
            try FileManager.default.copyItem(atPath: source, toPath: link)
        } catch {
            throw AzFuseError(.fileSystem, "cannot stage the file for upload", path: source, underlying: error)
        }
    }

    /// The size of the regular file at `path`, or nil if there is none.
    static func regularFileSize(at path: String) -> Int64? {
        var info = stat()
        guard lstat(path, &info) == 0, FileKind(mode: info.st_mode) == .regular else { return nil }
        return Int64(info.st_size)
    }

    private static func createParentFolders(of path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        do {
            // Owner only: these are cache and staging folders, which AzFuse refuses when others can write to them.
            try FileManager.default.createDirectory(
                atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw AzFuseError(.fileSystem, "cannot create the folder", path: parent, underlying: error)
        }
    }
}
