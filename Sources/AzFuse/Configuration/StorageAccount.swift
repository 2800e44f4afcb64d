import AzFuseBlobClient
import Foundation

/// A storage account and container that mounts map paths into, with its credentials and endpoint.
///
/// This is what an azfuse storage account YAML file (`<folder>/<name>.yaml`) describes. Its `description`, `dump()`
/// output and debug description never show the account key or the SAS token.
public struct StorageAccount: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The storage account name, for example `mydata` in `https://mydata.blob.core.windows.net`.
    public var accountName: String
    /// The container that blob names are relative to.
    public var containerName: String
    /// The base64 account key, if any. Used to sign requests (Shared Key) and to mint SAS tokens.
    public var accountKey: String?
    /// A SAS token (with or without the leading `?`), if any. Preferred over the key for requests.
    public var sasToken: String?
    /// The blob service base URL: `https://<account>.blob.core.windows.net` unless configured, for example
    /// `http://127.0.0.1:10000/devstoreaccount1` for an emulator.
    public var endpoint: URL

    /// Creates a storage account description.
    ///
    /// - Parameters:
    ///   - accountName: The storage account name.
    ///   - containerName: The container.
    ///   - accountKey: The base64 account key, or `nil`.
    ///   - sasToken: A SAS token, or `nil`. A leading `?` is accepted and removed.
    ///   - endpoint: The blob service base URL; defaults to `https://<accountName>.blob.core.windows.net`.
    public init(
        accountName: String,
        containerName: String,
        accountKey: String? = nil,
        sasToken: String? = nil,
        endpoint: URL? = nil
    ) {
        self.accountName = accountName
        self.containerName = containerName
        self.accountKey = accountKey
        self.sasToken = sasToken.map { $0.hasPrefix("?") ? String($0.dropFirst()) : $0 }
        self.endpoint = endpoint ?? URL(string: "https://\(accountName).blob.core.windows.net")!
    }

    /// The account, container and endpoint, with credentials shown only as present or absent.
    public var description: String { blobAccount.description }

    /// Same as ``description``: secrets are never shown.
    public var debugDescription: String { "StorageAccount(\(description))" }

    /// A mirror without the secrets, so `dump()` does not print them.
    public var customMirror: Mirror {
        Mirror(self, children: blobAccount.customMirror.children)
    }
}
