/// Stands in for an engine that cannot run (azcopy forced but not installed): every file fails with the reason.
struct UnavailableTransferEngine: TransferEngine {
    let kind: TransferOptions.Engine
    let reason: String

    func download(_ targets: [BlobTarget]) async -> [Result<Void, any Error>] {
        targets.map(failure)
    }

    func upload(_ items: [UploadItem]) async -> [Result<Void, any Error>] {
        items.map { failure($0.target) }
    }

    private func failure(_ target: BlobTarget) -> Result<Void, any Error> {
        .failure(
            AzFuseError(
                .transferFailed, reason,
                blob: AzFuseError.BlobLocation(
                    account: target.account.accountName, container: target.container, name: target.blobName)))
    }
}
