extension AzFuseClient {
    /// The namespace a resolved path lives in: the one place that chooses between a local file and a blob.
    func namespace(for resolved: ResolvedPath) -> any Namespace {
        switch resolved.blob {
        case nil:
            LocalNamespace(path: resolved.path)
        case let blob?:
            BlobNamespace(
                path: resolved.path, blob: blob, clients: clients, cacheStore: cacheStore,
                pendingUploads: uploads.pendingUploads, resolver: resolver)
        }
    }

    /// The namespace a logical path resolves to.
    ///
    /// - Throws: What ``resolve(_:)`` throws.
    func namespace(for path: String) throws -> any Namespace {
        namespace(for: try resolve(path))
    }

    // The write path (`upload(localFile:to:)`) uses these.

    /// The native client for a mapped path's storage account.
    func client(for blob: BlobTarget) throws -> BlobClient {
        try clients.client(for: blob.account)
    }

    /// Runs `body`; an ``AzFuseError`` it throws is made to name `path` (see ``BlobNamespace/naming(_:isolation:_:)``).
    func naming<Result>(
        _ path: String, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Result
    ) async throws -> Result {
        try await BlobNamespace.naming(path, isolation: isolation, body)
    }

    /// What is at a local path (following symbolic links); see ``LocalNamespace/kind(of:)``.
    static func localKind(of path: String) -> FolderEntry.Kind? {
        LocalNamespace.kind(of: path)
    }

    /// Removes the cached copy of a blob; see ``BlobNamespace/removeCachedCopy(_:reportedPath:)``.
    func removeCachedCopy(_ blob: BlobTarget, reportedPath: String) throws {
        try BlobNamespace.removeCachedCopy(blob, reportedPath: reportedPath)
    }
}
