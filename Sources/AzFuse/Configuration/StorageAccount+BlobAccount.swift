import AzFuseBlobClient

extension StorageAccount {
    /// The same account, container, credentials and endpoint, for the blob client.
    var blobAccount: BlobAccount {
        BlobAccount(
            accountName: accountName, containerName: containerName, accountKey: accountKey, sasToken: sasToken,
            endpoint: endpoint)
    }
}
