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
    /// A FIFO (named pipe).
    case fifo
    /// A character device (`/dev/null`, a terminal).
    case characterDevice
    /// A block device (a disk).
    case blockDevice
    /// A Unix-domain socket.
    case socket
    /// A kind the mode does not name.
    case other

    /// The kind a `st_mode` value describes.
    package init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .folder
        case S_IFLNK: self = .symbolicLink
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        default: self = .other
        }
    }
}
