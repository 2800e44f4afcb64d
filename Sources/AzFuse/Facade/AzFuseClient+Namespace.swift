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
}
