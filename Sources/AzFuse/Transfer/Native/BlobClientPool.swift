import Synchronization

/// One ``BlobClient`` per storage account, created on first use and reused, so connections are shared.
final class BlobClientPool: Sendable {
    private let configuration: BlobClient.Configuration
    private let clients = Mutex<[StorageAccount: BlobClient]>([:])

    init(configuration: BlobClient.Configuration = BlobClient.Configuration()) {
        self.configuration = configuration
    }

    /// The client for `account`.
    func client(for account: StorageAccount) throws -> BlobClient {
        try clients.withLock { clients in
            if let client = clients[account] { return client }
            let client = try BlobClient(account: account, configuration: configuration)
            clients[account] = client
            return client
        }
    }
}
