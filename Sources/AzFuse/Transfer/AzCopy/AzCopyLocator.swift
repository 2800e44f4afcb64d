import AzFuseSystem
import Glibc

/// Finds the azcopy executable.
///
/// The search order is:
/// 1. `AZFUSE_AZCOPY_PATH`, if set and not empty (it must then name an executable file; there is no fallback);
/// 2. `~/code/azcopy/azcopy`, where the Python azfuse looks, if it is an executable regular file;
/// 3. `azcopy` in each directory of `PATH`.
enum AzCopyLocator {
    /// The environment variable that names the executable explicitly.
    static let pathVariable = "AZFUSE_AZCOPY_PATH"

    /// Returns the path of the azcopy executable to use.
    ///
    /// - Parameter environment: The environment to read `AZFUSE_AZCOPY_PATH`, `HOME` and `PATH` from.
    /// - Returns: An absolute or `PATH`-derived path to an executable regular file.
    /// - Throws: ``AzFuseError`` with code `.transferFailed` when no azcopy is found, or when `AZFUSE_AZCOPY_PATH` names
    ///   something that is not an executable file.
    static func locate(environment: [String: String]) throws -> String {
        if let explicit = environment[pathVariable], !explicit.isEmpty {
            guard isExecutableFile(explicit) else {
                throw AzFuseError(
                    .transferFailed,
                    "\(pathVariable) is set to '\(explicit)', which is not an executable file",
                    path: explicit
                )
            }
            return explicit
        }
        if let home = environment["HOME"], !home.isEmpty {
            let conventional = home + "/code/azcopy/azcopy"
            if isExecutableFile(conventional) { return conventional }
        }
        let searchPath = environment["PATH"] ?? ""
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = String(directory) + "/azcopy"
            if isExecutableFile(candidate) { return candidate }
        }
        throw AzFuseError(
            .transferFailed,
            "azcopy not found; install it with scripts/install-azcopy.sh or set \(pathVariable)"
        )
    }

    /// Whether `path` is a regular file (after following symbolic links) that this process may execute.
    static func isExecutableFile(_ path: String) -> Bool {
        guard Syscall.kind(of: path) == .regular else { return false }
        return access(path, X_OK) == 0
    }
}
