import AzFuseSystem
import Foundation
import Glibc

/// A private folder (mode 0700) for one azcopy job: the staging tree, the list of files, logs and plan files.
///
/// It is created under the engine's work root, which should be on the same file system as the download
/// destinations so that staged files can be renamed into place. ``remove()`` deletes it, staged files included.
struct AzCopyJobFolder: Sendable {
    /// The folder itself (symbolic links resolved, so paths match the ones azcopy reports).
    let root: String

    /// The staging tree: blob names map to relative paths below it.
    var staging: String { root + "/files" }
    /// The `--list-of-files` file.
    var listOfFiles: String { root + "/list-of-files.txt" }
    /// `AZCOPY_LOG_LOCATION`.
    var logs: String { root + "/logs" }
    /// `AZCOPY_JOB_PLAN_LOCATION`.
    var plans: String { root + "/plans" }

    /// Creates a new, uniquely named job folder with its subfolders.
    ///
    /// - Parameter workRoot: The folder to create it in; created (mode 0700) if missing.
    /// - Throws: ``AzFuseError`` with code `.fileSystem` if the folders cannot be created.
    static func create(in workRoot: String) throws -> AzCopyJobFolder {
        do {
            try FileManager.default.createDirectory(
                atPath: workRoot,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw AzFuseError(.fileSystem, "cannot create the azcopy work folder", path: workRoot, underlying: error)
        }
        guard let resolved = realpath(workRoot, nil) else {
            throw AzFuseError(.fileSystem, "cannot resolve the azcopy work folder", path: workRoot)
        }
        let base = String(cString: resolved)
        free(resolved)
        let folder = AzCopyJobFolder(root: base + "/azcopy-" + UUID().uuidString.lowercased())
        for path in [folder.root, folder.staging, folder.logs, folder.plans] where mkdir(path, 0o700) != 0 {
            let failure = SystemCallError("mkdir", path: path)
            folder.remove()
            throw AzFuseError(
                .fileSystem,
                "cannot create a private azcopy job folder: \(failure.reason)",
                path: path
            )
        }
        return folder
    }

    /// Writes the `--list-of-files` file: one entry per line.
    ///
    /// - Throws: ``AzFuseError`` with code `.fileSystem` if it cannot be written.
    func writeListOfFiles(_ entries: [String]) throws {
        let text = entries.joined(separator: "\n") + "\n"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: listOfFiles))
        } catch {
            throw AzFuseError(.fileSystem, "cannot write azcopy's list of files", path: listOfFiles, underlying: error)
        }
    }

    /// The staging path of a blob.
    func stagingPath(for blobName: String) -> String {
        staging + "/" + blobName
    }

    /// The blob name of a staging path azcopy reported, or nil if the path is not in the staging tree.
    func blobName(forStagingPath path: String) -> String? {
        let prefix = staging + "/"
        guard path.hasPrefix(prefix) else { return nil }
        return String(path.dropFirst(prefix.count))
    }

    /// Deletes the folder and everything in it. Errors are ignored: nothing useful can be done about them.
    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
