import Foundation

extension StorageAccount {
    /// The characters left unencoded in a blob URL path segment (RFC 3986 unreserved).
    private static let unreservedCharacters = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// The container's URL, without any SAS.
    public var containerURL: URL {
        endpoint.appendingPathComponent(containerName, isDirectory: false)
    }

    /// The URL of a blob in this account's container, without any SAS.
    ///
    /// Every `/`-separated segment of the blob name is percent-encoded, so names with spaces, `?`, `#`, `%` or
    /// non-ASCII characters address the right blob (azfuse put them into URLs raw).
    ///
    /// - Parameter blobName: The blob name inside the container.
    /// - Returns: The blob URL.
    public func url(forBlob blobName: String) -> URL {
        let encoded = blobName.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.addingPercentEncoding(withAllowedCharacters: Self.unreservedCharacters) ?? String($0) }
            .joined(separator: "/")
        let base =
            endpoint.absoluteString.hasSuffix("/")
            ? String(endpoint.absoluteString.dropLast()) : endpoint.absoluteString
        return URL(string: base + "/" + containerName + "/" + encoded)!
    }
}
