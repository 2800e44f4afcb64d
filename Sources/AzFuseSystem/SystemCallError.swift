#if canImport(Glibc)
    import Glibc
#endif

/// A failed system call: which call, on which path, and the `errno` it set.
///
/// The layers above turn it into their own error with one factory each (the library's is
/// `AzFuseError.init(_:doing:)`), so `errno` is classified in one place per error type.
package struct SystemCallError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The call that failed, as a C name (`open`, `rename`, `pread`).
    package var call: String
    /// The path the call was about, when there is one.
    package var path: String?
    /// The `errno` value.
    package var code: Int32

    /// Creates an error from `errno` as it is now, or from an explicit code.
    package init(_ call: String, path: String? = nil, code: Int32 = errno) {
        self.call = call
        self.path = path
        self.code = code
    }

    /// The C library's text for ``code``, for example "No such file or directory".
    package var reason: String { String(cString: strerror(code)) }

    /// `<call> <path>: <reason>`.
    package var description: String { "\(call)\(path.map { " \($0)" } ?? ""): \(reason)" }

    /// Whether the file or a folder on its way is missing (`ENOENT`, `ENOTDIR`).
    package var isMissing: Bool { code == ENOENT || code == ENOTDIR }

    /// Whether the call was refused for lack of permission (`EACCES`, `EPERM`, `EROFS`).
    package var isPermissionDenied: Bool { code == EACCES || code == EPERM || code == EROFS }
}
