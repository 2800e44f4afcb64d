// The Transfer/Native folder's contract: the library's side of the AzFuseBlobClient target. ContainerClient is the
// library's one door to the client (it takes the library's types and converts BlobError to AzFuseError once);
// BlobClientPool keeps one client per account; NativeTransferEngine runs scheduler batches with it.

/// Transfers batches through the native REST client, a bounded number of blobs at a time: downloads are streamed
/// (large ones as parallel ranged GETs) into a temporary file in this process's staging folder, renamed onto the
/// cache path; uploads go up as one Put
/// Blob or as blocks committed by one Put Block List.
struct NativeTransferEngine: TransferEngine {
    let kind = TransferOptions.Engine.native
    let clients: BlobClientPool
    let parallelism: Int
    /// Where partial downloads live until they are complete.
    let staging: StagingArea

    func download(_ targets: [BlobTarget]) async -> [Result<Void, any Error>] {
        await forEach(targets) { target in
            let folder = String(target.cachePath[..<(target.cachePath.lastIndex(of: "/") ?? target.cachePath.endIndex)])
            try AtomicFileWriter.createFolders(folder, mode: 0o700)
            _ = try await clients.client(for: target.account).download(
                target.blobName, to: target.cachePath,
                temporaryDirectory: try await staging.folder(cacheRoot: target.cacheRoot))
        }
    }

    func upload(_ items: [UploadItem]) async -> [Result<Void, any Error>] {
        await forEach(items) { item in
            _ = try await clients.client(for: item.target.account).upload(from: item.source, to: item.target.blobName)
        }
    }

    /// Runs `transfer` for every element, at most ``parallelism`` at once, and returns the outcomes in order.
    /// Elements not started before the task was cancelled fail with `CancellationError`.
    private func forEach<Element: Sendable>(
        _ elements: [Element], _ transfer: @escaping @Sendable (Element) async throws -> Void
    ) async -> [Result<Void, any Error>] {
        await BoundedConcurrency.concurrentMap(elements, limit: parallelism) { element in
            try Task.checkCancellation()
            try await transfer(element)
        }
    }
}
