import Foundation

/// Downloads batches with azcopy: one job per batch, staged in the cache folder's internal staging area so every file
/// is renamed into place atomically.
struct AzCopyTransferEngine: TransferEngine {
    let kind = TransferOptions.Engine.azcopy
    /// The engine template; each batch uses a copy with its own work root (copies share the invocation counter).
    let engine: AzCopyEngine
    let clients: BlobClientPool

    /// How many azcopy processes were started.
    var invocations: Int { engine.invocations.value }

    func download(_ targets: [BlobTarget]) async -> [Result<Void, any Error>] {
        guard let first = targets.first else { return [] }
        do {
            let containerURL = try clients.client(for: first.account)
                .authorizedURL(forBlobPrefix: "", permissions: [.read, .list])
            var batchEngine = engine
            batchEngine.workRoot = CacheLayout.internalFolder(cacheRoot: first.cacheRoot) + "/staging"
            try AtomicFileWriter.createFolders(batchEngine.workRoot, mode: 0o700)
            let results = try await batchEngine.download(
                targets.map { AzCopyEngine.DownloadItem(blobName: $0.blobName, destination: $0.cachePath) },
                from: containerURL, progress: nil)
            return results.map { $0.outcome.mapError { $0 as any Error } }
        } catch {
            return targets.map { _ in .failure(error) }
        }
    }
}
