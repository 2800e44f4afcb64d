extension AzFuseClient {
    /// Uploads any local file to the blob a logical path maps to, and puts the same content in that path's cache,
    /// so a later read sees it without downloading.
    ///
    /// The upload goes through the native client in one request or in parallel blocks, stores the file's MD5, and
    /// replaces an existing blob. The cached copy is replaced atomically after the upload succeeded; if that local
    /// step fails, the stale cached copy is removed instead. For an unmapped path the file is copied to it
    /// atomically (azfuse silently did nothing). An asynchronous upload of the same path still pending is waited for
    /// first, so it cannot overwrite this content afterwards.
    ///
    /// - Parameters:
    ///   - localFile: The local file to upload.
    ///   - path: The logical destination path.
    /// - Throws: ``AzFuseError``: ``AzFuseError/Code/notFound`` naming `localFile` when it does not exist,
    ///   ``AzFuseError/Code/invalidArgument`` when it is not a regular file, service errors naming `path` (for
    ///   example ``AzFuseError/Code/permissionDenied``).
    public func upload(localFile: String, to path: String) async throws {
        try await uploads.upload(localFile: localFile, to: path)
    }
}
