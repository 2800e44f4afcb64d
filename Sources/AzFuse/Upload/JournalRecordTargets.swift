/// Checks journal records against the mapping before anything is done with them: the upload side's use of the
/// ``PathResolver``.
///
/// A record read back from a journal (possibly planted, or left by a process with another configuration) names its
/// blob and cache file itself. It is uploaded only when both are exactly what a mount with the record's cache folder
/// and storage account gives for its relative path (and for its logical path, when that is absolute).
struct JournalRecordTargets: Sendable {
    /// The mapping the records are checked against.
    let resolver: PathResolver

    /// The blob a journaled upload goes to, with the credentials configured now, after checking the record against
    /// the mapping.
    ///
    /// - Parameters:
    ///   - cacheRoot: The cache folder whose journal holds the record.
    ///   - record: The record.
    /// - Returns: The target, or why the record is refused (never uploaded).
    func target(cacheRoot: String, record: UploadJournalRecord) -> Result<BlobTarget, AzFuseError> {
        func refuse(_ reason: String) -> Result<BlobTarget, AzFuseError> {
            .failure(
                AzFuseError(
                    .uploadFailed, "a pending upload record \(reason); it was not uploaded", path: record.logicalPath))
        }
        let relative = LogicalPath.absoluteComponents(of: record.relativePath, base: "")
        guard !relative.isEmpty, LogicalPath.relativePath(relative) == record.relativePath else {
            return refuse("names the path '\(record.relativePath)', which is not a normalized path in its mount")
        }
        let candidates = resolver.rules.filter {
            LogicalPath.absolutePath($0.cacheComponents) == cacheRoot
                && $0.mount.storageAccount == record.storageAccountName
        }
        guard !candidates.isEmpty else {
            return refuse(
                "names a mount or storage account ('\(record.storageAccountName)') that is not configured for the "
                    + "cache folder \(cacheRoot)")
        }
        guard
            let rule = candidates.first(where: {
                LogicalPath.relativePath($0.remoteComponents + relative) == record.blobName
                    && LogicalPath.absolutePath($0.cacheComponents + relative) == record.cachePath
            })
        else {
            return refuse("names the blob '\(record.blobName)', which is not where its path maps")
        }
        let target = BlobTarget(
            storageAccountName: record.storageAccountName, account: rule.account, blobName: record.blobName,
            cachePath: record.cachePath, cacheRoot: cacheRoot, relativePath: record.relativePath)
        if record.logicalPath.hasPrefix("/") {
            guard let resolved = try? resolver.resolve(record.logicalPath, currentFolder: "/").blob,
                resolved.blobName == target.blobName, resolved.cachePath == target.cachePath,
                resolved.storageAccountName == target.storageAccountName
            else { return refuse("names the blob '\(record.blobName)', which is not where its path maps") }
        }
        return .success(target)
    }
}
