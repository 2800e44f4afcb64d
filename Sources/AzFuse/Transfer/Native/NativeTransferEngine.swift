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
    private func forEach<Element: Sendable>(
        _ elements: [Element], _ transfer: @escaping @Sendable (Element) async throws -> Void
    ) async -> [Result<Void, any Error>] {
        var outcomes = [Result<Void, any Error>](repeating: .failure(CancellationError()), count: elements.count)
        await withTaskGroup(of: (Int, Result<Void, any Error>).self) { group in
            var next = 0
            func startNext() {
                guard next < elements.count else { return }
                let index = next
                next += 1
                group.addTask {
                    do {
                        try Task.checkCancellation()
                        try await transfer(elements[index])
                        return (index, .success(()))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            for _ in 0..<min(parallelism, elements.count) { startNext() }
            for await (index, outcome) in group {
                outcomes[index] = outcome
                startNext()
            }
        }
        return outcomes
    }
}
