/// One result of ``BlobClient/list(prefix:delimiter:)``: a blob, or a virtual directory when a delimiter is used.
package enum BlobListEntry: Sendable, Hashable {
    /// A blob with its full name and properties.
    case blob(name: String, properties: BlobProperties)
    /// A common prefix ending with the delimiter, for example `data/2024/`.
    case prefix(String)

    /// The blob name or the prefix.
    package var name: String {
        switch self {
        case .blob(let name, _): name
        case .prefix(let prefix): prefix
        }
    }
}
