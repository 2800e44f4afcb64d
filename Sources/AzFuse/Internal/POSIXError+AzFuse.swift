import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension AzFuseError {
    /// An error for a failed system call, naming the path and the call, with the `errno` meaning.
    static func fileSystem(_ operation: String, path: String, errno code: Int32 = errno) -> AzFuseError {
        let reason = String(cString: strerror(code))
        let kind: Code =
            switch code {
            case ENOENT: .notFound
            case EACCES, EPERM: .permissionDenied
            default: .fileSystem
            }
        return AzFuseError(kind, "\(operation) failed: \(reason)", path: path)
    }
}
