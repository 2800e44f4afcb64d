/// Removes secrets from text before it reaches an error message, a log line or a terminal.
///
/// SAS signatures (`sig=...` in a query string, in any letter case, percent-encoded or not) and Shared Key
/// authorization values (`SharedKey account:signature`) are replaced with `REDACTED`.
enum Redaction {
    static let placeholder = "REDACTED"

    /// Returns `text` with every SAS signature and Shared Key signature replaced.
    static func redactSecrets(in text: String) -> String {
        var bytes = Array(text.utf8)
        bytes = redactValues(after: Array("sig=".utf8), in: bytes, terminators: Set("&\" '\n\t<>".utf8))
        bytes = redactValues(after: Array("SharedKey ".utf8), in: bytes, terminators: Set("\" '\n\t<>,".utf8))
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func redactValues(after marker: [UInt8], in bytes: [UInt8], terminators: Set<UInt8>) -> [UInt8] {
        let lowerMarker = marker.map(lowercased)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if matches(lowerMarker, in: bytes, at: index) {
                output.append(contentsOf: bytes[index..<index + marker.count])
                index += marker.count
                let start = index
                while index < bytes.count, !terminators.contains(bytes[index]) { index += 1 }
                if index > start { output.append(contentsOf: placeholder.utf8) }
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }

    private static func matches(_ lowerMarker: [UInt8], in bytes: [UInt8], at index: Int) -> Bool {
        guard index + lowerMarker.count <= bytes.count else { return false }
        // A marker must start a field ("?sig=", "&sig=", " SharedKey "), not end another name such as "xsig=".
        if index > 0, isIdentifierByte(bytes[index - 1]) { return false }
        for offset in 0..<lowerMarker.count where lowercased(bytes[index + offset]) != lowerMarker[offset] {
            return false
        }
        return true
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        let letter = lowercased(byte)
        return (letter >= UInt8(ascii: "a") && letter <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
