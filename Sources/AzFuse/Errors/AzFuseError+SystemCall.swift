import AzFuseSystem

#if canImport(Glibc)
    import Glibc
#endif

extension AzFuseError {
    /// The library's one translation of a failed system call.
    ///
    /// A missing file or folder (`ENOENT`, `ENOTDIR`) is ``Code/notFound``; a refusal (`EACCES`, `EPERM`, `EROFS`)
    /// is ``Code/permissionDenied``; anything else is ``Code/fileSystem``. The message says what was being done and
    /// why it failed; the error names `path`, or else the call's path.
    init(_ error: SystemCallError, doing action: String, path: String? = nil) {
        let code: Code = error.isMissing ? .notFound : error.isPermissionDenied ? .permissionDenied : .fileSystem
        self.init(code, "\(action) failed: \(error.reason)", path: path ?? error.path)
    }

    /// The error for a system call that just failed (its `errno`), naming the path.
    static func fileSystem(_ action: String, path: String, errno code: Int32 = errno) -> AzFuseError {
        AzFuseError(SystemCallError(action, path: path, code: code), doing: action)
    }

    /// Runs the system calls in `body`, translating their failure with ``init(_:doing:path:)``.
    static func mapping<Result>(
        _ action: String, path: String? = nil, _ body: () throws(SystemCallError) -> Result
    ) throws(AzFuseError) -> Result {
        do {
            return try body()
        } catch {
            throw AzFuseError(error, doing: action, path: path)
        }
    }
}
