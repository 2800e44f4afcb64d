/// The fields of a blob or container service SAS, and the token they sign to, as the Azure Python SDK's
/// `generate_blob_sas` / `generate_container_sas` produce them (same string to sign, same field order).
struct ServiceSAS: Sendable, Equatable {
    /// What the SAS grants access to.
    enum Resource: Sendable, Equatable {
        /// One blob (`sr=b`).
        case blob(container: String, name: String)
        /// A whole container (`sr=c`).
        case container(String)
    }

    /// The blob or container.
    var resource: Resource
    /// Permission letters in canonical order (`racwdl`).
    var permissions: String
    /// The start time in ISO 8601 (`2024-01-01T00:00:00Z`), or `nil` for "valid at once".
    var start: String?
    /// The expiry time in ISO 8601.
    var expiry: String
    /// `https` or `https,http`, or `nil` for any.
    var allowedProtocol: String?
    /// An IP address or range (`1.2.3.4-1.2.3.9`), or `nil` for any.
    var allowedIP: String?
    /// The signed service version (`sv`).
    var version: String

    /// The canonicalized resource: `/blob/<account>/<container>[/<blob>]` (names not encoded).
    func canonicalizedResource(accountName: String) -> String {
        switch resource {
        case .blob(let container, let name): "/blob/\(accountName)/\(container)/\(name)"
        case .container(let container): "/blob/\(accountName)/\(container)"
        }
    }

    /// The newline-separated string the signature is computed over.
    func stringToSign(accountName: String) -> String {
        let resourceCode =
            switch resource {
            case .blob: "b"
            case .container: "c"
            }
        let fields: [String] = [
            permissions, start ?? "", expiry, canonicalizedResource(accountName: accountName),
            "",  // signed identifier
            allowedIP ?? "", allowedProtocol ?? "", version, resourceCode,
            "",  // snapshot time
            "",  // encryption scope
            "", "", "", "", "",  // rscc, rscd, rsce, rscl, rsct
        ]
        return fields.joined(separator: "\n")
    }

    /// The token (query string without `?`) signed with `signer`'s account key.
    func token(signedWith signer: SharedKeySigner) -> String {
        let resourceCode =
            switch resource {
            case .blob: "b"
            case .container: "c"
            }
        let signature = signer.signature(of: stringToSign(accountName: signer.accountName))
        let fields: [(String, String?)] = [
            ("st", start), ("se", expiry), ("sp", permissions), ("sip", allowedIP), ("spr", allowedProtocol),
            ("sv", version), ("sr", resourceCode), ("sig", signature),
        ]
        return fields.compactMap { name, value in
            guard let value, !value.isEmpty else { return nil }
            return "\(name)=\(PercentEncoding.encodeSASValue(value))"
        }.joined(separator: "&")
    }
}
