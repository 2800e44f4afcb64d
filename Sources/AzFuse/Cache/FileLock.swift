import AzFuseSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive advisory lock (`flock`) on a lock file, shared by every process that uses the same cache.
///
/// Waiting never blocks a thread: the lock is tried without blocking and retried after short, growing sleeps, so
/// waiting tasks stay cancellable and the cooperative pool stays free. The kernel releases the lock when its holder
/// exits, so a process killed while holding it cannot wedge the others.
final class FileLock: Sendable {
    private let descriptor: Int32
    /// The lock file's path.
    let path: String

    /// Opens (creating if needed) the lock file without locking it.
    ///
    /// - Throws: ``AzFuseError`` if the lock file cannot be created; for a lock file in a cache folder, the error names
    ///   the cache folder and says it is not writable.
    ///
    /// - Parameters:
    ///   - path: The lock file.
    ///   - create: Whether to create the lock file (and its folder) when missing; when `false`, a missing lock file
    ///     throws ``AzFuseError/Code/notFound``.
    init(path: String, create: Bool = true) throws {
        if create {
            do {
                try AtomicFileWriter.createFolders(
                    String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]), mode: 0o700)
            } catch let error as AzFuseError {
                throw Self.creationError(path: path, code: Self.posixCode(of: error) ?? EIO)
            }
        }
        let descriptor = open(path, O_RDWR | (create ? O_CREAT : 0) | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            throw create
                ? Self.creationError(path: path, code: code)
                : AzFuseError.fileSystem("opening the lock file", path: path, errno: code)
        }
        self.descriptor = descriptor
        self.path = path
    }

    /// The error for a lock file that cannot be created. A lock file inside a cache folder's internal folder is
    /// reported as a problem with that cache folder (its path is the error's path), since the internal folder is
    /// AzFuse's business and the usual cause is a cache folder the process cannot write to.
    static func creationError(path: String, code: Int32) -> AzFuseError {
        let failure = AzFuseError(SystemCallError("open", path: path, code: code), doing: "creating the lock file")
        guard let internalFolder = path.range(of: "/" + CacheLayout.internalFolderName + "/", options: .backwards)
        else {
            return failure
        }
        let cacheRoot = String(path[..<internalFolder.lowerBound])
        return AzFuseError(
            failure.code,
            "the cache folder \(cacheRoot) is not writable (creating a lock file in it failed: "
                + "\(SystemCallError("open", code: code).reason)); make it writable by this user, or point the mount's "
                + "cache at a writable folder",
            path: cacheRoot, underlying: POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO))
    }

    /// The `errno` behind a folder-creation error, when it can be found.
    private static func posixCode(of error: AzFuseError) -> Int32? {
        var cause: (any Error)? = error.underlying
        while let current = cause {
            if let posix = current as? POSIXError { return posix.code.rawValue }
            let bridged = current as NSError
            if bridged.domain == NSPOSIXErrorDomain { return Int32(bridged.code) }
            cause = bridged.userInfo[NSUnderlyingErrorKey] as? any Error
        }
        return nil
    }

    deinit {
        close(descriptor)
    }

    /// Takes the lock if it is free.
    ///
    /// - Returns: `true` if this process now holds the lock.
    func tryLock() throws -> Bool {
        if Syscall.retryingInterrupts({ flock(descriptor, LOCK_EX | LOCK_NB) }) == 0 { return true }
        guard errno == EWOULDBLOCK else { throw AzFuseError.fileSystem("locking", path: path) }
        return false
    }

    /// Waits until the lock is free and takes it.
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting.
    func lock() async throws {
        var delay = Duration.milliseconds(1)
        while try !tryLock() {
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(50))
        }
    }

    /// Releases the lock (closing the lock file also does).
    func unlock() {
        flock(descriptor, LOCK_UN)
    }
}
