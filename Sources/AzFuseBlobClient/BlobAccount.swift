import Foundation

/// The container a ``BlobClient`` talks to: account, container, endpoint and credentials.
///
/// The library builds it from its `StorageAccount`. Its `description`, debug description and `dump()` output never
/// show the account key or the SAS token.
package struct BlobAccount: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The storage account name, for example `mydata` in `https://mydata.blob.core.windows.net`.
    package var accountName: String
    /// The container that blob names are relative to.
    package var containerName: String
    /// The base64 account key, if any: signs requests (Shared Key) and mints SAS tokens.
    package var accountKey: String?
    /// A SAS token without the leading `?`, if any; preferred over the key for requests.
    package var sasToken: String?
    /// The blob service base URL, for example `https://mydata.blob.core.windows.net`.
    package var endpoint: URL

    /// Creates an account description.
    ///
    /// - Parameters:
    ///   - accountName: The storage account name.
    ///   - containerName: The container.
    ///   - accountKey: The base64 account key, or `nil`.
    ///   - sasToken: A SAS token without the leading `?`, or `nil`.
    ///   - endpoint: The blob service base URL.
    package init(
        accountName: String, containerName: String, accountKey: String? = nil, sasToken: String? = nil, endpoint: URL
    ) {
        self.accountName = accountName
        self.containerName = containerName
        self.accountKey = accountKey
        self.sasToken = sasToken
        self.endpoint = endpoint
    }

    /// The package's one blob URL builder: the container's URL, or that of `blobName` inside it, without a query.
    ///
    /// Every `/`-separated segment is percent-encoded (RFC 3986 unreserved characters stay), so names with spaces,
    /// `?`, `#`, `%` or non-ASCII characters address the right blob.
    package func urlString(forBlob blobName: String?) -> String {
        var base = endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        base += "/" + PercentEncoding.encodePath(containerName)
        if let blobName { base += "/" + PercentEncoding.encodePath(blobName) }
        return base
    }

    /// The account, container and endpoint, with credentials shown only as present or absent.
    package var description: String {
        let credential =
            switch (accountKey != nil, sasToken != nil) {
            case (true, true): "key and SAS"
            case (true, false): "key"
            case (false, true): "SAS"
            case (false, false): "anonymous"
            }
        return "\(accountName)/\(containerName) at \(endpoint.absoluteString) (\(credential))"
    }

    /// Same as ``description``: secrets are never shown.
    package var debugDescription: String { "BlobAccount(\(description))" }

    /// A mirror without the secrets, so `dump()` does not print them.
    package var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accountName": accountName, "containerName": containerName,
                "accountKey": accountKey == nil ? "nil" : Redaction.placeholder,
                "sasToken": sasToken == nil ? "nil" : Redaction.placeholder, "endpoint": endpoint.absoluteString,
            ]
        )
    }
}
