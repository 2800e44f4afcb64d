import AzFuseSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The client's file access for downloads and uploads: ``Syscall`` calls whose failures become ``BlobError`` through
/// ``BlobError/init(_:doing:)``, naming the path.
package enum FileIO {
    /// Opens `path` for reading.
    package static func openForReading(_ path: String) throws(BlobError) -> Int32 {
        try mapping("opening the file") { () throws(SystemCallError) in try Syscall.open(path, O_RDONLY) }
    }

    /// Creates `path`, which must not exist, for reading and writing.
    package static func createExclusive(_ path: String) throws(BlobError) -> Int32 {
        try mapping("creating the file") { () throws(SystemCallError) in
            try Syscall.open(path, O_RDWR | O_CREAT | O_EXCL, permissions: 0o600)
        }
    }

    /// The size of the open file.
    package static func size(of descriptor: Int32, path: String) throws(BlobError) -> Int64 {
        try mapping("examining the file") { () throws(SystemCallError) in
            Int64(try Syscall.status(of: descriptor, path: path).st_size)
        }
    }

    /// Cuts the open file to `length` bytes.
    package static func truncate(_ descriptor: Int32, to length: Int64, path: String) throws(BlobError) {
        try mapping("truncating the file") { () throws(SystemCallError) in
            try Syscall.truncate(descriptor, to: length, path: path)
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`, stopping early only at end of file; returns the count read.
    package static func read(
        _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String
    ) throws(BlobError) -> Int {
        try mapping("reading the file") { () throws(SystemCallError) in
            try Syscall.read(descriptor, into: buffer, at: offset, path: path)
        }
    }

    /// Closes the descriptor, reporting a failure (a deferred write error, for example).
    package static func close(_ descriptor: Int32, path: String) throws(BlobError) {
        try mapping("closing the file") { () throws(SystemCallError) in try Syscall.close(descriptor, path: path) }
    }

    /// Atomically replaces `destination` with `source`.
    package static func rename(_ source: String, to destination: String) throws(BlobError) {
        try mapping("renaming into place") { () throws(SystemCallError) in try Syscall.rename(source, to: destination) }
    }

    private static func mapping<Result>(
        _ action: String, _ body: () throws(SystemCallError) -> Result
    ) throws(BlobError) -> Result {
        do {
            return try body()
        } catch {
            throw BlobError(error, doing: action)
        }
    }
}
