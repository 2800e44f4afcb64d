import Foundation

/// The account and container named by a container URL, for the ``AzFuseError/BlobLocation`` of item errors.
///
/// Path-style URLs (an IP address or `localhost` as host, as with Azurite: `http://127.0.0.1:10000/account/container`)
/// carry the account in the path; host-style URLs (`https://account.blob.core.windows.net/container`) in the host.
struct ContainerLocation: Sendable, Hashable {
    /// The storage account, if the URL names one.
    let account: String?
    /// The container, if the URL names one.
    let container: String?

    /// Reads the account and container from `url`; unknown parts stay nil.
    init(_ url: URL) {
        let host = url.host ?? ""
        let segments = url.path.split(separator: "/").map(String.init)
        let pathStyle = host == "localhost" || host.allSatisfy { $0.isNumber || $0 == "." } || host.contains(":")
        if pathStyle {
            account = segments.first
            container = segments.dropFirst().first
        } else {
            account = host.split(separator: ".").first.map(String.init)
            container = segments.first
        }
    }

    /// The location of a blob in this container, or nil when the container is unknown.
    func blob(_ name: String) -> AzFuseError.BlobLocation? {
        guard let account, let container else { return nil }
        return AzFuseError.BlobLocation(account: account, container: container, name: name)
    }
}
