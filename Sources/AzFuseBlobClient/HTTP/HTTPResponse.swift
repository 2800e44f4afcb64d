import Foundation

/// The parts of an HTTP response the Blob client uses.
struct HTTPResponse: Sendable {
    /// The status code.
    var status: Int
    /// The header fields, names as the server sent them.
    var headerFields: [String: String]
    /// The body, when it was collected in memory (always for error responses, bounded).
    var body: Data
    /// How many body bytes were written to the destination file, for file destinations.
    var bytesWritten: Int64

    /// The value of header `name`, compared case-insensitively.
    func header(_ name: String) -> String? {
        if let exact = headerFields[name] { return exact }
        return headerFields.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The `x-ms-meta-*` headers, without the prefix, names as sent.
    var metadata: [String: String] {
        let prefix = "x-ms-meta-"
        var result: [String: String] = [:]
        for (name, value) in headerFields where name.lowercased().hasPrefix(prefix) {
            result[String(name.dropFirst(prefix.count))] = value
        }
        return result
    }
}
