#if canImport(Glibc)
    import Glibc
#endif

/// What a path is, from its `stat` mode: the one place `S_IFMT` is read.
package enum FileKind: Sendable, Hashable {
    /// A regular file.
    case regular
    /// A folder.
    case folder
    /// A symbolic link (only from `lstat`).
    case symbolicLink
    /// Anything else: a FIFO, a socket, a device.
    case other

    /// The kind a `st_mode` value describes.
    package init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .folder
        case S_IFLNK: self = .symbolicLink
        default: self = .other
        }
    }
}
