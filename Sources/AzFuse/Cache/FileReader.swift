import AzFuseBlobClient
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads whole files, small ones directly and large ones off the cooperative thread pool.
enum FileReader {
    /// Files up to this size are read on the calling thread: a few page-cache copies cost less than a thread hop.
    static let inlineReadLimit = 1 << 20

    /// Reads the whole file open at `descriptor`, and closes it.
    ///
    /// - Parameters:
    ///   - descriptor: A file descriptor open for reading; closed when this returns.
    ///   - reportedPath: The logical path to name in errors.
    /// - Returns: The content.
    nonisolated(nonsending) static func readAll(_ descriptor: Int32, reportedPath: String) async throws -> Data {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            close(descriptor)
            throw AzFuseError.fileSystem("reading the file size", path: reportedPath)
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            close(descriptor)
            throw AzFuseError(.invalidArgument, "the path is a folder, not a file", path: reportedPath)
        }
        let size = Int(status.st_size)
        if size <= inlineReadLimit {
            defer { close(descriptor) }
            return try readToEnd(descriptor, sizeHint: size, reportedPath: reportedPath)
        }
        return try await BlockingIO.run {
            defer { close(descriptor) }
            return try readToEnd(descriptor, sizeHint: size, reportedPath: reportedPath)
        }
    }

    /// Reads the `size` bytes `fstat` reported into an uninitialized buffer, as `FileManager` does; stops early at end
    /// of file if the file shrank meanwhile. Cache files are replaced by rename, never changed in place, so the size
    /// taken when the file was opened is the size of what this descriptor reads.
    private static func readToEnd(_ descriptor: Int32, sizeHint size: Int, reportedPath: String) throws -> Data {
        guard size > 0 else { return Data() }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        var length = 0
        while length < size {
            let count = Glibc.read(descriptor, buffer + length, size - length)
            if count < 0 {
                if errno == EINTR { continue }
                buffer.deallocate()
                throw AzFuseError.fileSystem("reading", path: reportedPath)
            }
            if count == 0 { break }
            length += count
        }
        return Data(bytesNoCopy: buffer, count: length, deallocator: .custom { pointer, _ in pointer.deallocate() })
    }
}
