/// Downloads batches through the native REST client: a bounded number of blobs at a time, each streamed (large ones
/// as parallel ranged GETs) into a temporary file renamed onto its cache path.
struct NativeTransferEngine: TransferEngine {
    let kind = TransferOptions.Engine.native
    let clients: BlobClientPool
    let parallelism: Int

    func download(_ targets: [BlobTarget]) async -> [Result<Void, any Error>] {
        var outcomes = [Result<Void, any Error>](repeating: .failure(CancellationError()), count: targets.count)
        await withTaskGroup(of: (Int, Result<Void, any Error>).self) { group in
            var next = 0
            func startNext() {
                guard next < targets.count else { return }
                let index = next
                next += 1
                group.addTask { (index, await downloadOne(targets[index])) }
            }
            for _ in 0..<min(parallelism, targets.count) { startNext() }
            for await (index, outcome) in group {
                outcomes[index] = outcome
                startNext()
            }
        }
        return outcomes
    }

    private func downloadOne(_ target: BlobTarget) async -> Result<Void, any Error> {
        do {
            try Task.checkCancellation()
            let folder = String(target.cachePath[..<(target.cachePath.lastIndex(of: "/") ?? target.cachePath.endIndex)])
            try AtomicFileWriter.createFolders(folder, mode: 0o700)
            _ = try await clients.client(for: target.account).download(target.blobName, to: target.cachePath)
            return .success(())
        } catch {
            return .failure(error)
        }
    }
}
