import Foundation

extension AzFuseClient {
    /// Deletes a file: for a mapped path its blob, then its cached copy; else the local file.
    ///
    /// A mapped file still waiting for an asynchronous upload is deleted after that upload ends, so the queued
    /// upload cannot bring it back.
    ///
    /// - Parameter path: A logical file path.
    /// - Throws: ``AzFuseError`` naming the path: ``AzFuseError/Code/notFound`` when the blob (or local file) does
    ///   not exist (a stale cached copy is removed all the same), ``AzFuseError/Code/invalidArgument`` for a folder
    ///   (use ``removeTree(_:progress:)``), ``AzFuseError/Code/permissionDenied`` when the credentials do not allow
    ///   deleting.
    public func remove(_ path: String) async throws {
        try await namespace(for: path).remove()
    }

    /// Deletes a folder and everything below it: for a mapped folder every blob under its prefix (several at once)
    /// and the cached copies; else the local folder.
    ///
    /// At a mount's own folder this deletes every blob of the mount; at a container-root mount, every blob of the
    /// container. Asynchronous uploads still pending below the folder are waited for first.
    ///
    /// - Parameters:
    ///   - folder: A logical folder path.
    ///   - progress: Called as blobs are deleted, with the count so far and the total.
    /// - Returns: How many files were deleted.
    /// - Throws: ``AzFuseError`` naming the folder: ``AzFuseError/Code/notFound`` when nothing is there; for
    ///   blobs that could not be deleted, one error whose ``AzFuseError/fileErrors`` names each of them (the others
    ///   are deleted).
    @discardableResult
    public func removeTree(
        _ folder: String, progress: (@Sendable (TransferProgress) -> Void)? = nil
    ) async throws -> Int {
        try await namespace(for: folder).removeTree(progress: progress)
    }
}
