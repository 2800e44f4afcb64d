import AzFuseBlobClient
import Foundation

extension StorageAccount {
    /// The container's URL, without any SAS.
    public var containerURL: URL {
        URL(string: blobAccount.urlString(forBlob: nil))!
    }

    /// The URL of a blob in this account's container, without any SAS.
    ///
    /// Every `/`-separated segment of the blob name is percent-encoded, so names with spaces, `?`, `#`, `%` or
    /// non-ASCII characters address the right blob (azfuse put them into URLs raw).
    ///
    /// - Parameter blobName: The blob name inside the container.
    /// - Returns: The blob URL.
    public func url(forBlob blobName: String) -> URL {
        URL(string: blobAccount.urlString(forBlob: blobName))!
    }
}
