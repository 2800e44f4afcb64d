import AzFuseSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The file operations the library's transfer and upload code uses: ``Syscall`` calls whose failures become
/// ``AzFuseError`` through its one system-call factory, naming the path.
enum LocalFile {
    /// Opens `path` for reading.
    static func openForReading(_ path: String) throws -> Int32 {
        try AzFuseError.mapping("opening the file") { () throws(SystemCallError) in try Syscall.open(path, O_RDONLY) }
    }

    /// Creates `path`, which must not exist, for reading and writing.
    static func createExclusive(_ path: String) throws -> Int32 {
        try AzFuseError.mapping("creating the file") { () throws(SystemCallError) in
            try Syscall.open(path, O_RDWR | O_CREAT | O_EXCL, permissions: 0o600)
        }
    }

    /// The size of the open file.
    static func size(of descriptor: Int32, path: String) throws -> Int64 {
        try AzFuseError.mapping("examining the file") { () throws(SystemCallError) in
            Int64(try Syscall.status(of: descriptor, path: path).st_size)
        }
    }

    /// Cuts the open file to `length` bytes.
    static func truncate(_ descriptor: Int32, to length: Int64, path: String) throws {
        try AzFuseError.mapping("truncating the file") { () throws(SystemCallError) in
            try Syscall.truncate(descriptor, to: length, path: path)
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`, stopping early only at end of file; returns the count read.
    static func read(
        _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String
    ) throws -> Int {
        try AzFuseError.mapping("reading the file") { () throws(SystemCallError) in
            try Syscall.read(descriptor, into: buffer, at: offset, path: path)
        }
    }

    /// Closes the descriptor, reporting a failure (a deferred write error, for example).
    static func close(_ descriptor: Int32, path: String) throws {
        try AzFuseError.mapping("closing the file") { () throws(SystemCallError) in
            try Syscall.close(descriptor, path: path)
        }
    }

    /// Closes the descriptor on an error path, ignoring failures.
    static func closeQuietly(_ descriptor: Int32) {
        Syscall.closeQuietly(descriptor)
    }

    /// Atomically replaces `destination` with `source`.
    static func rename(_ source: String, to destination: String) throws {
        try AzFuseError.mapping("renaming into place") { () throws(SystemCallError) in
            try Syscall.rename(source, to: destination)
        }
    }

    /// Removes `path` on an error path, ignoring failures.
    static func removeQuietly(_ path: String) {
        Syscall.removeQuietly(path)
    }

    /// Copies the content of `source` into the existing file `destination`, replacing what it held, in the kernel
    /// (`sendfile`). Blocking: call it through ``BlockingIO``.
    ///
    /// - Throws: ``AzFuseError`` naming the file that failed: `.notFound` when `source` does not exist.
    static func copyContents(from source: String, to destination: String) throws {
        let input = try openForReading(source)
        defer { closeQuietly(input) }
        try AzFuseError.mapping("copying \(source)", path: destination) { () throws(SystemCallError) in
            let output = try Syscall.open(destination, O_WRONLY | O_TRUNC)
            do throws(SystemCallError) {
                try Syscall.copy(from: input, to: output, path: destination)
            } catch {
                Syscall.closeQuietly(output)
                throw error
            }
            try Syscall.close(output, path: destination)
        }
    }
}
