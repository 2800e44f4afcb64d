import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads whole files, small ones directly and large ones off the cooperative thread pool.
enum FileReader {
    /// Files up to this size are read on the calling thread: a few page-cache copies cost less than a thread hop.
    static let inlineReadLimit = 1 << 20

    /// Reads the whole file at `path`.
    ///
    /// - Parameters:
    ///   - path: The file to read.
    ///   - reportedPath: The logical path to name in errors.
    /// - Returns: The content.
    static func readAll(_ path: String, reportedPath: String) async throws -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw AzFuseError.fileSystem("opening for reading", path: reportedPath) }
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

    /// Reads from `descriptor` until end of file; the file may have grown or shrunk since `sizeHint` was taken.
    private static func readToEnd(_ descriptor: Int32, sizeHint: Int, reportedPath: String) throws -> Data {
        var data = Data(count: sizeHint + 1)
        var length = 0
        while true {
            if length == data.count { data.count += max(data.count, 4096) }
            let count = data.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress! + length, buffer.count - length)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw AzFuseError.fileSystem("reading", path: reportedPath)
            }
            if count == 0 { break }
            length += count
        }
        data.count = length
        return data
    }
}
