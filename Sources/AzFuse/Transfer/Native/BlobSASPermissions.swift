/// What a SAS minted by AzFuse allows: read, add, create, write, delete, list.
///
/// ```swift
/// let url = try File.signedURL(for: "data/report.pdf", permissions: [.read, .write], expiresIn: .seconds(600))
/// ```
public struct BlobSASPermissions: OptionSet, Sendable, Hashable, CustomStringConvertible {
    /// The permission bits.
    public let rawValue: UInt8

    /// Creates a permission set from raw bits.
    ///
    /// - Parameter rawValue: The bits; use the static members instead.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Read content, properties and metadata (`r`).
    public static let read = BlobSASPermissions(rawValue: 1 << 0)
    /// Add blocks to an append blob (`a`).
    public static let add = BlobSASPermissions(rawValue: 1 << 1)
    /// Create a new blob (`c`).
    public static let create = BlobSASPermissions(rawValue: 1 << 2)
    /// Write content, properties, metadata and block lists (`w`).
    public static let write = BlobSASPermissions(rawValue: 1 << 3)
    /// Delete blobs (`d`).
    public static let delete = BlobSASPermissions(rawValue: 1 << 4)
    /// List blobs of a container (`l`); meaningful for container SAS only.
    public static let list = BlobSASPermissions(rawValue: 1 << 5)

    /// Everything a mirroring tool needs: read, add, create, write, delete and list.
    public static let all: BlobSASPermissions = [.read, .add, .create, .write, .delete, .list]

    /// The `sp` field: the permission letters in the service's canonical order, for example `racwdl`.
    public var description: String {
        let letters: [(BlobSASPermissions, Character)] = [
            (.read, "r"), (.add, "a"), (.create, "c"), (.write, "w"), (.delete, "d"), (.list, "l"),
        ]
        return String(letters.compactMap { contains($0.0) ? $0.1 : nil })
    }
}
