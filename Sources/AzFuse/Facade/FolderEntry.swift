import Foundation

/// One entry of a folder listing: a file or a subfolder, by logical path.
///
/// For a mapped folder a file is a blob and a subfolder is a blob name prefix (a "virtual directory"); for a local
/// folder they are what the file system holds.
public struct FolderEntry: Sendable, Hashable {
    /// Whether an entry is a file or a folder.
    public enum Kind: String, Sendable, Hashable {
        /// A file (a blob, for mapped paths).
        case file
        /// A folder (a blob name prefix, for mapped paths).
        case folder
    }

    /// The logical path: the listed folder as the caller spelled it, joined with ``name``. Never a blob name.
    public var path: String
    /// The path relative to the listed folder, for example `b.txt` or, in a recursive listing, `sub/b.txt`.
    public var name: String
    /// File or folder.
    public var kind: Kind
    /// The size in bytes of a file; `nil` for a folder.
    public var size: Int64?
    /// When a file was last modified; `nil` for a folder or when unknown.
    public var lastModified: Date?

    /// Creates an entry.
    ///
    /// - Parameters:
    ///   - path: The logical path.
    ///   - name: The path relative to the listed folder.
    ///   - kind: File or folder.
    ///   - size: The size of a file.
    ///   - lastModified: The last modification time of a file.
    public init(path: String, name: String, kind: Kind, size: Int64? = nil, lastModified: Date? = nil) {
        self.path = path
        self.name = name
        self.kind = kind
        self.size = size
        self.lastModified = lastModified
    }

    /// Whether the entry is a folder.
    public var isFolder: Bool { kind == .folder }
}
