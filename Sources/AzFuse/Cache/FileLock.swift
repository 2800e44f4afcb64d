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
    /// - Throws: ``AzFuseError`` naming the lock file if it cannot be created.
    ///
    /// - Parameters:
    ///   - path: The lock file.
    ///   - create: Whether to create the lock file (and its folder) when missing; when `false`, a missing lock file
    ///     throws ``AzFuseError/Code/notFound``.
    init(path: String, create: Bool = true) throws {
        if create {
            try AtomicFileWriter.createFolders(
                String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]), mode: 0o700)
        }
        let descriptor = open(path, O_RDWR | (create ? O_CREAT : 0) | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw AzFuseError.fileSystem("opening the lock file", path: path) }
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        close(descriptor)
    }

    /// Takes the lock if it is free.
    ///
    /// - Returns: `true` if this process now holds the lock.
    func tryLock() throws -> Bool {
        while true {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
            switch errno {
            case EWOULDBLOCK: return false
            case EINTR: continue
            default: throw AzFuseError.fileSystem("locking", path: path)
            }
        }
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
