/// Removes secrets from text before it reaches an error message, a log line or a terminal.
///
/// What is secret, and replaced with `REDACTED`:
/// - the value of a query or form field named `sig` (the only secret in a SAS: `sv`, `se`, `sp`, `skoid`, `sktid`
///   and the other fields are kept), `client_secret`, `client_assertion`, `access_token`, `refresh_token`,
///   `AccountKey` or `account_key`. Field names match in any letter case and after percent-decoding (`%73ig=`,
///   `SIG%3D`), wherever the field stands (`?sig=`, `&SIG=`, a bare `sig=` at the start of a SAS token, a
///   percent-encoded URL inside another URL's query, `;AccountKey=` in a connection string). The value ends at the next
///   delimiter (`&`, `;`, `,`, `#`, a quote, a bracket, white space, or one of these percent-encoded);
/// - the credential after the authorization schemes `Bearer`, `SharedKey` and `SharedKeyLite` (the
///   `Authorization` and `x-ms-copy-source-authorization` header values), in any letter case, when it is at least 16
///   bytes long (so prose such as "a bearer token expired" is left alone).
package enum Redaction {
    /// What a secret is replaced with.
    package static let placeholder = "REDACTED"

    /// The field names whose values are secret, lower-cased.
    static let secretFieldNames: Set<String> = [
        "sig", "client_secret", "client_assertion", "access_token", "refresh_token", "accountkey", "account_key",
    ]

    /// The authorization schemes whose credential is secret, lower-cased.
    static let secretSchemes: [[UInt8]] = ["bearer", "sharedkey", "sharedkeylite"].map { Array($0.utf8) }

    /// Bytes that end a secret value (raw, or percent-encoded).
    private static let valueTerminators = Set("&;,#\"'<>()[]{}| \t\r\n\\".utf8)

    /// The shortest value after an authorization scheme that is treated as a credential.
    private static let minimumCredentialLength = 16

    /// The longest field name looked at, in decoded bytes.
    private static let maximumNameLength = 32

    /// Returns `text` with every secret replaced by ``placeholder``.
    package static func redactSecrets(in text: String) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if startsField(bytes, at: index), let valueStart = secretValueStart(bytes, at: index) {
                output.append(contentsOf: bytes[index..<valueStart])
                let valueEnd = endOfValue(bytes, from: valueStart)
                if valueEnd > valueStart { output.append(contentsOf: placeholder.utf8) }
                index = valueEnd
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Where the secret value of a field or authorization scheme starting at `index` begins, or nil if none does.
    private static func secretValueStart(_ bytes: [UInt8], at index: Int) -> Int? {
        for scheme in secretSchemes {
            let end = index + scheme.count
            guard end < bytes.count, bytes[end] == UInt8(ascii: " "),
                zip(bytes[index..<end], scheme).allSatisfy({ lowercased($0) == $1 })
            else { continue }
            var start = end
            while start < bytes.count, bytes[start] == UInt8(ascii: " ") { start += 1 }
            // Credentials are long (a JWT, `account:base64 HMAC`); a short word after the scheme is prose.
            return endOfValue(bytes, from: start) - start >= minimumCredentialLength ? start : nil
        }
        var name: [UInt8] = []
        var position = index
        while position < bytes.count, name.count <= maximumNameLength {
            let (byte, length) = decodedByte(bytes, at: position)
            if byte == UInt8(ascii: "=") {
                return secretFieldNames.contains(String(decoding: name, as: UTF8.self)) ? position + length : nil
            }
            guard isIdentifierByte(byte) else { return nil }
            name.append(lowercased(byte))
            position += length
        }
        return nil
    }

    /// The end of a secret value starting at `start`: the first terminator, raw or percent-encoded.
    private static func endOfValue(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count {
            let (byte, length) = decodedByte(bytes, at: index)
            if valueTerminators.contains(byte) { return index }
            index += length
        }
        return index
    }

    /// Whether a field name could start at `index`: at the start of the text, or after a byte (raw or
    /// percent-encoded) that cannot be part of a name, so `design=` and `xsig=` are not `sig=`.
    private static func startsField(_ bytes: [UInt8], at index: Int) -> Bool {
        guard index > 0 else { return true }
        if index >= 3, bytes[index - 3] == UInt8(ascii: "%"),
            let high = PercentEncoding.hexValue(bytes[index - 2]), let low = PercentEncoding.hexValue(bytes[index - 1])
        {
            return !isIdentifierByte(high << 4 | low)
        }
        return !isIdentifierByte(bytes[index - 1])
    }

    /// The byte at `index`, percent-decoded, and how many bytes of `bytes` it took.
    private static func decodedByte(_ bytes: [UInt8], at index: Int) -> (byte: UInt8, length: Int) {
        if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
            let high = PercentEncoding.hexValue(bytes[index + 1]), let low = PercentEncoding.hexValue(bytes[index + 2])
        {
            return (high << 4 | low, 3)
        }
        return (bytes[index], 1)
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        let letter = lowercased(byte)
        return (letter >= UInt8(ascii: "a") && letter <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-")
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
