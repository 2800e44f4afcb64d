import AzFuseBlobClient
import AzFuseSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a file so that readers see either the old content or the complete new content, never a partial file.
///
/// The content goes to a uniquely named temporary file in the destination's folder (parent folders are created),
/// which is renamed onto the destination only when the body succeeds. If the body throws or its task is cancelled,
/// the temporary file is removed and the destination is untouched. Two concurrent writers of one path never share a
/// temporary file; the last rename wins.
enum AtomicFileWriter {
    /// The permissions for plain local files (the process umask applies) and for cache files (owner only).
    enum Permissions {
        case regular
        case ownerOnly

        var mode: mode_t { self == .regular ? 0o666 : 0o600 }
        var folderMode: mode_t { self == .regular ? 0o777 : 0o700 }
    }

    /// Writes `destination` through a temporary file handed to `body` as a path.
    ///
    /// - Parameters:
    ///   - destination: The final path.
    ///   - permissions: The mode for the new file and any folders created.
    ///   - body: Writes the content to the temporary path it is given.
    /// - Returns: What `body` returns.
    static func write<Result>(
        to destination: String,
        permissions: Permissions,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (String) async throws -> Result
    ) async throws -> Result {
        let temporary = try createTemporaryFile(for: destination, permissions: permissions)
        close(temporary.descriptor)
        return try await commit(temporary.path, to: destination) { try await body(temporary.path) }
    }

    /// Writes `destination` through a temporary file handed to `body` as an open `FileHandle`.
    ///
    /// - Parameters:
    ///   - destination: The final path.
    ///   - permissions: The mode for the new file and any folders created.
    ///   - body: Writes the content to the handle; the handle is closed when it returns.
    /// - Returns: What `body` returns.
    static func write<Result>(
        to destination: String,
        permissions: Permissions,
        isolation: isolated (any Actor)? = #isolation,
        handle body: (FileHandle) async throws -> Result
    ) async throws -> Result {
        let temporary = try createTemporaryFile(for: destination, permissions: permissions)
        let handle = FileHandle(fileDescriptor: temporary.descriptor, closeOnDealloc: false)
        return try await commit(temporary.path, to: destination) {
            defer { close(temporary.descriptor) }
            return try await body(handle)
        }
    }

    /// Writes `data` to `destination` atomically, off the cooperative thread pool.
    static func write(_ data: Data, to destination: String, permissions: Permissions) async throws {
        try await write(to: destination, permissions: permissions) { temporaryPath in
            try await BlockingIO.run { try writeAll(data, toExistingFile: temporaryPath) }
        }
    }

    private static func commit<Result>(
        _ temporaryPath: String,
        to destination: String,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            let result = try await body()
            try Task.checkCancellation()
            guard rename(temporaryPath, destination) == 0 else {
                throw AzFuseError.fileSystem("renaming the written file into place", path: destination)
            }
            return result
        } catch {
            unlink(temporaryPath)
            throw error
        }
    }

    /// Creates the parent folders and a new, uniquely named temporary file next to `destination`.
    static func createTemporaryFile(
        for destination: String,
        permissions: Permissions
    ) throws -> (path: String, descriptor: Int32) {
        let folder = (destination as NSString).deletingLastPathComponent
        let name = (destination as NSString).lastPathComponent
        guard !name.isEmpty, name != ".", name != ".." else {
            throw AzFuseError(
                .invalidArgument, "the path names a folder, not a file; add a file name", path: destination)
        }
        try createFolders(folder.isEmpty ? "." : folder, mode: permissions.folderMode)
        for _ in 0..<16 {
            let path = (folder.isEmpty ? "" : folder + "/") + temporaryName(for: name)
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions.mode)
            if descriptor >= 0 { return (path, descriptor) }
            if errno != EEXIST { throw AzFuseError.fileSystem("creating a temporary file", path: path) }
        }
        throw AzFuseError(.fileSystem, "could not create a unique temporary file", path: destination)
    }

    /// The name of a temporary file for `name`: hidden, unique, and recognizable as AzFuse's.
    static func temporaryName(for name: String) -> String {
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let shortened = name.utf8.count > 200 ? String(name.prefix(64)) : name
        return ".\(shortened).azfuse-\(suffix).tmp"
    }

    /// Creates `folder` and its missing parents.
    static func createFolders(_ folder: String, mode: mode_t) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue {
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(mode)])
        } catch {
            throw AzFuseError(
                .fileSystem, "could not create the folder: \(error.localizedDescription)", path: folder,
                underlying: error)
        }
    }

    private static func writeAll(_ data: Data, toExistingFile path: String) throws {
        let descriptor = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard descriptor >= 0 else { throw AzFuseError.fileSystem("opening the temporary file", path: path) }
        defer { close(descriptor) }
        try writeAll(data, to: descriptor, path: path)
    }

    /// Writes all of `data` to an open file at its current offset, retrying short and interrupted writes.
    static func writeAll(_ data: Data, to descriptor: Int32, path: String) throws {
        let written = data.withUnsafeBytes { buffer in
            Result { () throws(SystemCallError) in try Syscall.write(descriptor, buffer, path: path) }
        }
        guard case .failure(let failure) = written else { return }
        throw AzFuseError(failure, doing: "writing")
    }
}
