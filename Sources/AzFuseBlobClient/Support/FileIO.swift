import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Thin wrappers over POSIX file calls that report failures as ``BlobError`` (`.notFound` for `ENOENT`, else
/// `.fileSystem`) naming the path: the downloads' and uploads' file access, and the library's (which turns the
/// errors into its own).
package enum FileIO {
    /// Opens `path` for reading.
    package static func openForReading(_ path: String) throws(BlobError) -> Int32 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw error("open", path) }
        return descriptor
    }

    /// Creates `path`, which must not exist, for reading and writing.
    package static func createExclusive(_ path: String) throws(BlobError) -> Int32 {
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw error("create", path) }
        return descriptor
    }

    /// The size of the open file.
    package static func size(of descriptor: Int32, path: String) throws(BlobError) -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw error("stat", path) }
        return Int64(info.st_size)
    }

    /// Cuts the open file to `length` bytes.
    package static func truncate(_ descriptor: Int32, to length: Int64, path: String) throws(BlobError) {
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw error("truncate", path) }
    }

    /// Reads up to `buffer.count` bytes at `offset`, stopping early only at end of file; returns the count read.
    package static func read(
        _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String
    ) throws(BlobError) -> Int {
        var done = 0
        while done < buffer.count {
            let result = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if result < 0 {
                if errno == EINTR { continue }
                throw error("read", path)
            }
            if result == 0 { break }
            done += result
        }
        return done
    }

    /// Closes the descriptor, reporting a failure (a deferred write error, for example).
    package static func close(_ descriptor: Int32, path: String) throws(BlobError) {
        guard Glibc.close(descriptor) == 0 else { throw error("close", path) }
    }

    /// Closes the descriptor on an error path, ignoring failures.
    package static func closeQuietly(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }

    /// Atomically replaces `destination` with `source`.
    package static func rename(_ source: String, to destination: String) throws(BlobError) {
        guard Glibc.rename(source, destination) == 0 else { throw error("rename into place", destination) }
    }

    /// Removes `path` on an error path, ignoring failures.
    package static func removeQuietly(_ path: String) {
        _ = unlink(path)
    }

    private static func error(_ operation: String, _ path: String) -> BlobError {
        let code = errno
        return BlobError(
            code == ENOENT ? .notFound : .fileSystem,
            "could not \(operation) the file: \(String(cString: strerror(code)))",
            path: path)
    }
}
