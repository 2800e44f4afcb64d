extension PathResolver {
    /// The cache folders of every mount (upload journals live inside them).
    nonisolated var cacheRoots: [String] {
        isEnabled ? rules.map { LogicalPath.absolutePath($0.cacheComponents) } : []
    }

    /// The blob a journaled upload goes to, with the credentials configured now.
    ///
    /// - Parameters:
    ///   - cacheRoot: The cache folder whose journal holds the record.
    ///   - record: The record.
    /// - Returns: The target, or `nil` if no mount with that cache folder and storage account is configured.
    nonisolated func target(cacheRoot: String, record: UploadJournalRecord) -> BlobTarget? {
        guard
            let rule = rules.first(where: {
                LogicalPath.absolutePath($0.cacheComponents) == cacheRoot
                    && $0.mount.storageAccount == record.storageAccountName
            })
        else { return nil }
        return BlobTarget(
            storageAccountName: record.storageAccountName, account: rule.account, blobName: record.blobName,
            cachePath: record.cachePath, cacheRoot: cacheRoot, relativePath: record.relativePath)
    }
}
