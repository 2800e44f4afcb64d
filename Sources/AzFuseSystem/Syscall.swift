#if canImport(Glibc)
    import Glibc
#endif

/// The package's system calls: each retries `EINTR`, loops over short reads and writes where that is the meaning,
/// and throws ``SystemCallError`` naming the call and the path. Blocking: async code calls them off the cooperative
/// pool, except for the few cheap ones (`open`, `stat`) the cache-hit path makes inline.
///
/// Target contract (`AzFuseSystem`): POSIX only; no Foundation types in signatures, no knowledge of blobs, caches or
/// the library's errors. Every other target may use it.
package enum Syscall {
    /// Runs `call` again while it fails with `EINTR`; returns its last result (`errno` is set when it is negative).
    package static func retryingInterrupts<Result: SignedInteger>(_ call: () -> Result) -> Result {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }

    /// `open(2)`.
    package static func open(
        _ path: String, _ flags: Int32, permissions: mode_t = 0
    ) throws(SystemCallError) -> Int32 {
        let descriptor = retryingInterrupts { Glibc.open(path, flags | O_CLOEXEC, permissions) }
        guard descriptor >= 0 else { throw SystemCallError("open", path: path) }
        return descriptor
    }

    /// `close(2)`, reporting a failure (a deferred write error, for example).
    package static func close(_ descriptor: Int32, path: String? = nil) throws(SystemCallError) {
        guard Glibc.close(descriptor) == 0 else { throw SystemCallError("close", path: path) }
    }

    /// `close(2)` on an error path, ignoring failures.
    package static func closeQuietly(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }

    /// The kind of what `path` names, following symbolic links unless `followingLinks` is `false`; `nil` if
    /// nothing is there (or it cannot be examined).
    package static func kind(of path: String, followingLinks: Bool = true) -> FileKind? {
        var status = stat()
        guard (followingLinks ? stat(path, &status) : lstat(path, &status)) == 0 else { return nil }
        return FileKind(mode: status.st_mode)
    }

    /// `fstat(2)`.
    package static func status(of descriptor: Int32, path: String? = nil) throws(SystemCallError) -> stat {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw SystemCallError("fstat", path: path) }
        return status
    }

    /// `ftruncate(2)`.
    package static func truncate(_ descriptor: Int32, to length: Int64, path: String? = nil) throws(SystemCallError) {
        guard retryingInterrupts({ ftruncate(descriptor, off_t(length)) }) == 0 else {
            throw SystemCallError("ftruncate", path: path)
        }
    }

    /// Reads up to `buffer.count` bytes at `offset` (or at the file position when `offset` is `nil`), stopping
    /// early only at end of file; returns the count read.
    package static func read(
        _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64? = nil, path: String? = nil
    ) throws(SystemCallError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let result = retryingInterrupts {
                offset.map { pread(descriptor, base + done, buffer.count - done, off_t($0) + off_t(done)) }
                    ?? Glibc.read(descriptor, base + done, buffer.count - done)
            }
            guard result >= 0 else { throw SystemCallError(offset == nil ? "read" : "pread", path: path) }
            if result == 0 { break }
            done += result
        }
        return done
    }

    /// Writes all of `bytes` at `offset` (or at the file position when `offset` is `nil`).
    package static func write(
        _ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64? = nil, path: String? = nil
    ) throws(SystemCallError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let result = retryingInterrupts {
                offset.map { pwrite(descriptor, base + done, bytes.count - done, off_t($0) + off_t(done)) }
                    ?? Glibc.write(descriptor, base + done, bytes.count - done)
            }
            guard result > 0 else { throw SystemCallError(offset == nil ? "write" : "pwrite", path: path) }
            done += result
        }
    }

    /// `rename(2)`: atomically replaces `destination` with `source`.
    package static func rename(_ source: String, to destination: String) throws(SystemCallError) {
        guard Glibc.rename(source, destination) == 0 else { throw SystemCallError("rename", path: destination) }
    }

    /// `unlink(2)` on an error path, ignoring failures.
    package static func removeQuietly(_ path: String) {
        _ = unlink(path)
    }

    /// Copies the rest of `input` into `output` in the kernel (`sendfile(2)`).
    package static func copy(from input: Int32, to output: Int32, path: String? = nil) throws(SystemCallError) {
        while true {
            let sent = retryingInterrupts { sendfile(output, input, nil, 1 << 30) }
            guard sent >= 0 else { throw SystemCallError("sendfile", path: path) }
            if sent == 0 { return }
        }
    }

    /// `waitpid(2)` for `pid`, retrying `EINTR`; returns the raw status.
    package static func wait(for pid: pid_t, options: Int32 = 0) throws(SystemCallError) -> Int32 {
        var status: Int32 = 0
        guard retryingInterrupts({ waitpid(pid, &status, options) }) >= 0 else { throw SystemCallError("waitpid") }
        return status
    }
}
