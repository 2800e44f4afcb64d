import AzFuseSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Checks that the folders AzFuse writes into cannot be redirected or tampered with, the way `ssh` treats its files.
///
/// A cache folder, and every folder AzFuse uses inside it, must be a real folder (not a symbolic link), owned by
/// this process's effective user and not writable by the group or others. The folders above a cache folder must be
/// owned by `root` or this user, and if others may write to them they must have the sticky bit (as `/tmp` does), so
/// nobody else can rename or replace what is inside. A folder that breaks these rules is refused with
/// ``AzFuseError/Code/invalidConfiguration`` naming the folder and saying how to fix it.
///
/// Folders are walked with `openat(O_NOFOLLOW | O_DIRECTORY)` from the cache folder down, so a symbolic link planted
/// anywhere on the way is noticed rather than followed. Once a chain of folders passes, only this user (or `root`)
/// can change it, so a write through its path that follows the check stays inside.
enum SafePath {
    /// The checked folders above cache folders (they rarely change; checked once per process).
    private static let checkedAncestors = Mutex<Set<String>>([])

    /// Linux's `O_PATH` (the same value on every architecture Swift supports; Glibc hides it behind `_GNU_SOURCE`):
    /// opens a file for `fstat` only, without reading it, so a FIFO or a device never blocks or reacts.
    static let pathOnly: Int32 = 0o10_000_000

    /// The folder names inside a cache folder's internal folder that are checked with it when they exist.
    private static let internalSubfolders = ["locks", "staging", "uploads"]

    // MARK: - Cache folders

    /// Checks a cache folder, creating it (and missing parents, mode `0700`) when it does not exist, and the internal
    /// `.azfuse` folder and its `locks`, `staging` and `uploads` folders if they exist.
    ///
    /// - Parameters:
    ///   - root: The cache folder: absolute and normalized.
    ///   - create: Whether to create a missing cache folder (otherwise there is nothing to check).
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` naming an unsafe folder; ``AzFuseError/Code/fileSystem``
    ///   if it cannot be created.
    static func verifyCacheRoot(_ root: String, create: Bool = true) throws {
        if let descriptor = try openCacheRoot(root, create: create) { close(descriptor) }
    }

    /// Checks the folders between `root` and the file `path` that exist (the rest is created later by the writer,
    /// inside checked folders), after checking `root` itself as ``verifyCacheRoot(_:)`` does.
    ///
    /// - Parameters:
    ///   - path: A file path strictly inside `root`, absolute and normalized.
    ///   - root: The cache folder.
    ///   - createRoot: Whether to create a missing cache folder.
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` naming an unsafe folder,
    ///   ``AzFuseError/Code/pathOutsideMount`` if `path` is not inside `root`.
    static func verifyFolders(forFile path: String, inside root: String, createRoot: Bool = true) throws {
        guard var components = relativeComponents(of: path, inside: root), !components.isEmpty else {
            throw AzFuseError(.pathOutsideMount, "the file is not inside the cache folder \(root)", path: path)
        }
        components.removeLast()
        try verifyFolders(components, inside: root, createRoot: createRoot)
    }

    /// Checks the existing folders from `root` down through `folder` (`folder` included).
    ///
    /// - Parameters:
    ///   - folder: A folder inside `root` or `root` itself, absolute and normalized.
    ///   - root: The cache folder.
    ///   - createRoot: Whether to create a missing cache folder.
    static func verifyFolder(_ folder: String, inside root: String, createRoot: Bool = true) throws {
        guard let components = relativeComponents(of: folder, inside: root) else {
            throw AzFuseError(.pathOutsideMount, "the folder is not inside the cache folder \(root)", path: folder)
        }
        try verifyFolders(components, inside: root, createRoot: createRoot)
    }

    private static func verifyFolders(_ components: [String], inside root: String, createRoot: Bool) throws {
        guard var descriptor = try openCacheRoot(root, create: createRoot) else { return }
        defer { close(descriptor) }
        var path = root
        for component in components {
            path += "/" + component
            guard let next = try openChecked(component, in: descriptor, path: path) else { return }
            close(descriptor)
            descriptor = next
        }
    }

    // MARK: - Files inside trusted folders

    /// Whether `path` is a regular file owned by this user, strictly inside `folder`, reached from `folder` without
    /// following any symbolic link and only through folders that pass the ownership and mode checks (`folder`
    /// itself included, which must not be a symbolic link either).
    ///
    /// Use it before trusting a path read from disk (an upload-journal record, for example): pass the cache folder
    /// as `folder` to also catch a symbolic link planted at `.azfuse` or below. The path is compared lexically first:
    /// empty, `.` and `..` segments are refused.
    ///
    /// - Parameters:
    ///   - path: An absolute path.
    ///   - folder: The trusted folder, absolute.
    static func isRegularFile(_ path: String, inside folder: String) -> Bool {
        guard let descriptor = try? openFile(path, inside: folder, flags: pathOnly) else { return false }
        defer { close(descriptor) }
        var status = stat()
        return fstat(descriptor, &status) == 0 && FileKind(mode: status.st_mode) == .regular
            && status.st_uid == geteuid()
    }

    /// Opens `path`, strictly inside `folder`, without following symbolic links on the way or at the end
    /// (`O_NOFOLLOW` is added to `flags`), through folders that pass the ownership and mode checks.
    ///
    /// - Parameters:
    ///   - path: An absolute path with no empty, `.` or `..` segments.
    ///   - folder: The trusted folder (not a symbolic link itself).
    ///   - flags: `open` flags, for example `O_RDONLY`; `O_CREAT` needs `mode`.
    ///   - mode: The mode for a file created with `O_CREAT`.
    /// - Returns: A descriptor the caller must close.
    /// - Throws: ``AzFuseError/Code/pathOutsideMount`` if the path is not inside the folder,
    ///   ``AzFuseError/Code/invalidConfiguration`` for an unsafe folder or a symbolic link on the way,
    ///   ``AzFuseError/Code/notFound`` or ``AzFuseError/Code/fileSystem`` if it cannot be opened.
    static func openFile(_ path: String, inside folder: String, flags: Int32, mode: mode_t = 0o600) throws -> Int32 {
        guard let components = relativeComponents(of: path, inside: folder), let name = components.last else {
            throw AzFuseError(.pathOutsideMount, "the file is not inside the folder \(folder)", path: path)
        }
        var descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw openFailure(folder, errno: errno, status: lstatus(folder)) }
        defer { close(descriptor) }
        try checkOwned(descriptor, path: folder)
        var current = folder
        for component in components.dropLast() {
            current += "/" + component
            guard let next = try openChecked(component, in: descriptor, path: current) else {
                throw AzFuseError(.notFound, "there is no such folder", path: current)
            }
            close(descriptor)
            descriptor = next
        }
        let file = openat(descriptor, name, flags | O_NOFOLLOW | O_CLOEXEC, mode)
        let linkError = unsafe(path, "is a symbolic link", fix: "remove it; AzFuse never follows links it did not make")
        guard file >= 0 else {
            let code = errno
            if code == ELOOP { throw linkError }
            throw AzFuseError(SystemCallError("openat", path: path, code: code), doing: "opening the file")
        }
        // With O_PATH, O_NOFOLLOW opens a final symbolic link itself instead of failing.
        var status = stat()
        if fstat(file, &status) == 0 && FileKind(mode: status.st_mode) == .symbolicLink {
            close(file)
            throw linkError
        }
        return file
    }

    /// The components of `path` below `folder`, compared byte for byte; `nil` if `path` is not `folder` or below
    /// it, or either has an empty, `.` or `..` segment (other than a trailing slash on `folder`).
    static func relativeComponents(of path: String, inside folder: String) -> [String]? {
        guard path.utf8.first == LogicalPath.slash, folder.utf8.first == LogicalPath.slash else { return nil }
        let folderParts = Array(folder.utf8).split(separator: LogicalPath.slash, omittingEmptySubsequences: true)
        let pathParts = Array(path.utf8).split(separator: LogicalPath.slash, omittingEmptySubsequences: false)
            .dropFirst()
        guard pathParts.count >= folderParts.count, !folderParts.contains(where: isDotSegment) else { return nil }
        for (index, part) in folderParts.enumerated() where !pathParts[pathParts.startIndex + index].elementsEqual(part)
        {
            return nil
        }
        let rest = pathParts.dropFirst(folderParts.count)
        guard !rest.contains(where: { $0.isEmpty || isDotSegment($0) }) else { return nil }
        return rest.map { String(decoding: $0, as: UTF8.self) }
    }

    private static func isDotSegment(_ part: ArraySlice<UInt8>) -> Bool {
        (part.count == 1 || part.count == 2) && part.allSatisfy { $0 == LogicalPath.dot }
    }

    // MARK: - Walking

    /// Opens a checked cache folder (creating it if missing and `create`) and checks its internal folders; `nil` if
    /// it is missing and not created.
    private static func openCacheRoot(_ root: String, create: Bool) throws -> Int32? {
        try checkAncestors(of: root)
        var descriptor = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if descriptor < 0 && errno == ENOENT {
            guard create else { return nil }
            try createFolders(root)
            descriptor = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        guard descriptor >= 0 else { throw openFailure(root, errno: errno, status: lstatus(root)) }
        do {
            try checkOwned(descriptor, path: root)
            let internalPath = CacheLayout.internalFolder(cacheRoot: root)
            if let internalFolder = try openChecked(CacheLayout.internalFolderName, in: descriptor, path: internalPath)
            {
                defer { close(internalFolder) }
                for name in internalSubfolders {
                    if let folder = try openChecked(name, in: internalFolder, path: internalPath + "/" + name) {
                        close(folder)
                    }
                }
            }
        } catch {
            close(descriptor)
            throw error
        }
        return descriptor
    }

    /// Opens and checks the folder `name` in the open folder `parent`; `nil` if it does not exist.
    private static func openChecked(_ name: String, in parent: Int32, path: String) throws -> Int32? {
        let descriptor = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            var status = stat()
            let found = fstatat(parent, name, &status, AT_SYMLINK_NOFOLLOW) == 0 ? status : nil
            throw openFailure(path, errno: code, status: found)
        }
        do {
            try checkOwned(descriptor, path: path)
        } catch {
            close(descriptor)
            throw error
        }
        return descriptor
    }

    /// Refuses an open folder owned by another user or writable by the group or others.
    private static func checkOwned(_ descriptor: Int32, path: String) throws {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw AzFuseError.fileSystem("checking the folder", path: path) }
        let user = geteuid()
        guard status.st_uid == user else {
            throw unsafe(
                path, "is owned by user \(status.st_uid), not by you (user \(user))",
                fix: "use a cache folder of your own, or take it over with 'chown -R \(user) \(path)' if it is yours")
        }
        guard status.st_mode & 0o022 == 0 else {
            throw unsafe(
                path, "is writable by other users (mode \(String(status.st_mode & 0o7777, radix: 8)))",
                fix: "run 'chmod 700 \(path)'")
        }
    }

    /// Checks the folders above a cache folder, once per process: owned by root or this user, and writable by others
    /// only with the sticky bit. A symbolic link on the way must be owned by root or this user; the folders its
    /// target lies in are checked too.
    private static func checkAncestors(of root: String) throws {
        if checkedAncestors.withLock({ $0.contains(root) }) { return }
        let parts = Array(root.utf8).split(separator: LogicalPath.slash).map { String(decoding: $0, as: UTF8.self) }
        var path = ""
        var sawLink = false
        for part in parts.dropLast() {
            path += "/" + part
            var status = stat()
            guard lstat(path, &status) == 0 else { break }  // missing: created below by this user
            if FileKind(mode: status.st_mode) == .symbolicLink {
                try checkAncestor(status, path: path, isLink: true)
                sawLink = true
            } else {
                try checkAncestor(status, path: path, isLink: false)
            }
        }
        if sawLink, parts.count > 1, let resolved = realpath(String(path), nil) {
            defer { free(resolved) }
            var real = ""
            for part in String(cString: resolved).split(separator: "/") {
                real += "/" + part
                var status = stat()
                guard lstat(real, &status) == 0 else { break }
                try checkAncestor(status, path: real, isLink: false)
            }
        }
        _ = checkedAncestors.withLock { $0.insert(root) }
    }

    private static func checkAncestor(_ status: stat, path: String, isLink: Bool) throws {
        let user = geteuid()
        guard status.st_uid == 0 || status.st_uid == user else {
            throw unsafe(
                path, "is owned by user \(status.st_uid), so that user can move your cache folder away",
                fix: "put the cache folder in a folder of your own, such as ~/.cache/azfuse")
        }
        if !isLink && status.st_mode & 0o022 != 0 && status.st_mode & S_ISVTX == 0 {
            throw unsafe(
                path, "is writable by other users and has no sticky bit, so they can replace the cache folder",
                fix: "run 'chmod o-w,g-w \(path)' or put the cache folder in a folder of your own")
        }
    }

    /// Creates `folder` and its missing parents with mode `0700`.
    private static func createFolders(_ folder: String) throws {
        var path = ""
        for part in folder.split(separator: "/") {
            path += "/" + part
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
                throw AzFuseError.fileSystem("creating the cache folder", path: path)
            }
        }
    }

    private static func lstatus(_ path: String) -> stat? {
        var status = stat()
        return lstat(path, &status) == 0 ? status : nil
    }

    /// The error for a folder that `open(O_NOFOLLOW | O_DIRECTORY)` refused.
    private static func openFailure(_ path: String, errno code: Int32, status: stat?) -> AzFuseError {
        if let status, FileKind(mode: status.st_mode) == .symbolicLink {
            return unsafe(
                path, "is a symbolic link",
                fix: "remove the link ('rm \(path)') and let AzFuse create a real folder, or configure the cache "
                    + "folder as the link's target")
        }
        if let status, FileKind(mode: status.st_mode) != .folder {
            return AzFuseError(.fileSystem, "a file is in the way of the cache folder; remove it", path: path)
        }
        return AzFuseError(SystemCallError("open", path: path, code: code), doing: "opening the folder")
    }

    private static func unsafe(_ path: String, _ problem: String, fix: String) -> AzFuseError {
        AzFuseError(
            .invalidConfiguration,
            "refusing to use \(path): it \(problem), so another user could redirect or read AzFuse's cache files; "
                + fix,
            path: path)
    }
}
