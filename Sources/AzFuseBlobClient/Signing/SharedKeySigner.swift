import Foundation

/// Signs Blob service requests with Shared Key exactly as the Azure Python SDK's `SharedKeyCredentialPolicy` does.
///
/// The canonicalized resource is `/` + account + the request URL's percent-encoded path, so for a path-style
/// endpoint such as `http://127.0.0.1:10000/devstoreaccount1` the account appears twice.
struct SharedKeySigner: Sendable {
    /// The standard headers signed by position, in order (`range` is the SDK's `byte_range`).
    private static let positionalHeaders = [
        "content-encoding", "content-language", "content-length", "content-md5", "content-type", "date",
        "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range",
    ]

    /// The account whose key signs.
    let accountName: String
    private let key: [UInt8]

    /// Creates a signer.
    ///
    /// - Throws: `BlobError` `.invalidConfiguration` when `base64Key` is not base64.
    init(accountName: String, base64Key: String) throws(BlobError) {
        guard let key = Data(base64Encoded: base64Key), !key.isEmpty else {
            throw BlobError(
                .invalidConfiguration,
                "the account key of storage account '\(accountName)' is not valid base64; copy it again from the portal"
            )
        }
        self.accountName = accountName
        self.key = Array(key)
    }

    /// The `Authorization` header value: `SharedKey account:signature`.
    func authorization(method: String, url: URL, headers: [String: String]) -> String {
        "SharedKey \(accountName):\(signature(of: stringToSign(method: method, url: url, headers: headers)))"
    }

    /// Base64 HMAC-SHA256 of `text` under the account key.
    func signature(of text: String) -> String {
        Data(HMACSHA256.authenticationCode(for: text.utf8, key: key)).base64EncodedString()
    }

    /// The string to sign for a request with these headers (names in any case).
    func stringToSign(method: String, url: URL, headers: [String: String]) -> String {
        var lowered: [String: String] = [:]
        for (name, value) in headers where !value.isEmpty {
            lowered[name.lowercased()] = value
        }
        if lowered["content-length"] == "0" {
            lowered["content-length"] = nil
        }
        var text = method + "\n"
        text += Self.positionalHeaders.map { lowered[$0] ?? "" }.joined(separator: "\n") + "\n"
        text += canonicalizedHeaders(headers)
        text += "/" + accountName + (URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? "")
        text += canonicalizedQuery(url)
        return text
    }

    private func canonicalizedHeaders(_ headers: [String: String]) -> String {
        let azureHeaders = headers.map { (name: $0.key.lowercased(), value: $0.value) }
            .filter { $0.name.hasPrefix("x-ms-") }
            .sorted { StorageHeaderOrder.compare($0.name, $1.name) < 0 }
        return azureHeaders.map { "\($0.name):\($0.value)\n" }.joined()
    }

    private func canonicalizedQuery(_ url: URL) -> String {
        guard let query = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedQuery,
            !query.isEmpty
        else { return "" }
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            parameters[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        let sorted = parameters.sorted {
            $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars)
        }
        return sorted.map { "\n\($0.key.lowercased()):\(PercentEncoding.decode($0.value))" }.joined()
    }
}
