/// How ``File/open(_:_:isolation:_:)`` and ``AzFuseClient/open(_:_:isolation:_:)`` open a file.
public enum OpenMode: Sendable, Hashable, CustomStringConvertible {
    /// Read an existing file. A mapped file is downloaded into the cache first if it is not there.
    case read
    /// Replace the file's content. The new content becomes visible (and, for a mapped path, is uploaded) only
    /// when the body succeeds.
    case write

    /// Parses an azfuse (Python) mode string: `r` or `rb` for reading, `w` or `wb` for writing.
    ///
    /// - Parameter mode: The mode string.
    /// - Throws: ``AzFuseError/Code/invalidArgument`` for any other mode, such as `a` or `r+` (azfuse
    ///   silently returned `None` for them).
    public init(_ mode: String) throws {
        switch mode {
        case "r", "rb": self = .read
        case "w", "wb": self = .write
        default:
            throw AzFuseError(
                .invalidArgument,
                "unknown mode '\(mode)'; AzFuse opens files for reading (r, rb) or writing (w, wb) only")
        }
    }

    /// `read` or `write`.
    public var description: String { self == .read ? "read" : "write" }
}
