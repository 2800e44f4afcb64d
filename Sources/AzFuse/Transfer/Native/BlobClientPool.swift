import AzFuseBlobClient
import Synchronization

/// One ``ContainerClient`` per storage account, created on first use and reused, so connections are shared.
final class BlobClientPool: Sendable {
    private let configuration: BlobClient.Configuration
    private let clients = Mutex<[StorageAccount: ContainerClient]>([:])

    init(configuration: BlobClient.Configuration = BlobClient.Configuration()) {
        self.configuration = configuration
    }

    /// The client for `account`.
    ///
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` when the account key is not valid base64.
    func client(for account: StorageAccount) throws -> ContainerClient {
        try clients.withLock { clients in
            if let client = clients[account] { return client }
            let client = try ContainerClient(account: account, configuration: configuration)
            clients[account] = client
            return client
        }
    }
}
