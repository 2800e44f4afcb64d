import AzFuseBlobClient
import Foundation

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
        try await namespace(for: folder).listing(recursive: recursive)
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
}
