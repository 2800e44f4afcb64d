/// Picks the engine for a batch: the native client for small batches, azcopy for large ones, unless forced.
struct TransferRouter: Sendable {
    let options: TransferOptions
    let native: any TransferEngine
    /// `nil` when azcopy is not installed; ``TransferOptions/Engine/auto`` then always uses the native client.
    let azcopy: (any TransferEngine)?
    /// The engine to report when azcopy is forced but missing: it fails every file with a clear error.
    let missingAzCopy: any TransferEngine

    func engine(forBatchOf count: Int) -> any TransferEngine {
        switch options.engine {
        case .native: return native
        case .azcopy: return azcopy ?? missingAzCopy
        case .auto: return count >= options.azcopyMinimumBatchSize ? (azcopy ?? native) : native
        }
    }
}
