import Foundation

/// Transfers batches with azcopy: one job per batch. Downloads are staged in the cache folder's internal staging area
/// so every file is renamed into place atomically; uploads are staged there as hard links named by blob name.
struct AzCopyTransferEngine: TransferEngine {
    let kind = TransferOptions.Engine.azcopy
    /// The engine template; each batch uses a copy with its own work root (copies share the invocation counter).
    let engine: AzCopyEngine
    let clients: BlobClientPool
    /// Where job folders live (this process's staging folder of each cache folder).
    let staging: StagingArea
    /// How items that failed transiently are sent again in new jobs.
    var retry = AzCopyJobRetry(policy: RetryPolicy())

    /// How many azcopy processes were started.
    var invocations: Int { engine.invocations.value }

    func download(_ targets: [BlobTarget]) async -> [Result<Void, any Error>] {
        await retry.run(targets) { await downloadOnce($0) }
    }

    func upload(_ items: [UploadItem]) async -> [Result<Void, any Error>] {
        await retry.run(items) { await uploadOnce($0) }
    }

    private func downloadOnce(_ targets: [BlobTarget]) async -> [Result<Void, any Error>] {
        guard let first = targets.first else { return [] }
        do {
            let containerURL = try clients.client(for: first.account)
                .authorizedURL(forBlobPrefix: "", permissions: [.read, .list])
            let results = try await batchEngine(cacheRoot: first.cacheRoot).download(
                targets.map { AzCopyEngine.DownloadItem(blobName: $0.blobName, destination: $0.cachePath) },
                from: containerURL, progress: nil)
            return results.map { $0.outcome.mapError { $0 as any Error } }
        } catch {
            return targets.map { _ in .failure(error) }
        }
    }

    private func uploadOnce(_ items: [UploadItem]) async -> [Result<Void, any Error>] {
        guard let first = items.first else { return [] }
        do {
            let containerURL = try clients.client(for: first.target.account)
                .authorizedURL(forBlobPrefix: "", permissions: [.read, .add, .create, .write, .list])
            let results = try await batchEngine(cacheRoot: first.target.cacheRoot).upload(
                items.map { AzCopyEngine.UploadItem(source: $0.source, blobName: $0.target.blobName) },
                to: containerURL, progress: nil)
            return results.map { $0.outcome.mapError { $0 as any Error } }
        } catch {
            return items.map { _ in .failure(error) }
        }
    }

    /// A copy of the engine working in this process's staging folder of `cacheRoot` (same file system as the cache
    /// files).
    private func batchEngine(cacheRoot: String) async throws -> AzCopyEngine {
        var batchEngine = engine
        batchEngine.workRoot = try await staging.folder(cacheRoot: cacheRoot)
        return batchEngine
    }
}
