import Foundation
import Glibc

/// The local file operations the azcopy engine needs, with errors as ``AzFuseError``.
enum LocalFiles {
    /// Moves `source` onto `destination` so that a reader sees either the old file or the complete new one.
    ///
    /// Parent folders of `destination` are created. On the same file system this is one `rename(2)`; across file
    /// systems the file is first copied to a hidden temporary name next to `destination`, then renamed.
    ///
    /// - Throws: ``AzFuseError`` with code `.fileSystem`.
    static func moveAtomically(from source: String, to destination: String) throws {
        try createParentFolders(of: destination)
        if rename(source, destination) == 0 { return }
        let code = errno
        guard code == EXDEV else { throw error(code, "cannot move the downloaded file into place", path: destination) }
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
            let code = errno
            unlink(temporary)
            throw error(code, "cannot move the downloaded file into place", path: destination)
        }
        unlink(source)
    }

    /// Makes `link` name the same file as `source`: a hard link, or a copy when a hard link is impossible (another
    /// file system, a link-count limit, a file system without hard links).
    ///
    /// - Throws: ``AzFuseError`` with code `.notFound` if `source` does not exist, `.invalidArgument` if it is not a
    ///   regular file, `.fileSystem` otherwise.
    static func linkOrCopy(_ source: String, to link: String) throws {
        var info = stat()
        guard stat(source, &info) == 0 else {
            let code = errno
            throw error(code, "cannot read the file to upload", path: source, notFound: code == ENOENT)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
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
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
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

    private static func error(_ code: Int32, _ message: String, path: String, notFound: Bool = false) -> AzFuseError {
        AzFuseError(
            notFound ? .notFound : .fileSystem,
            "\(message): \(String(cString: strerror(code)))",
            path: path,
            underlying: POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        )
    }
}
