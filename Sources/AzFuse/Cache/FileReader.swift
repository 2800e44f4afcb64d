import AzFuseSystem
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
        let status: stat
        do {
            status = try Syscall.status(of: descriptor)
        } catch {
            close(descriptor)
            throw AzFuseError(error, doing: "reading the file size", path: reportedPath)
        }
        if FileKind(mode: status.st_mode) == .folder {
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
        let length: Int
        do {
            length = try Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(start: buffer, count: size))
        } catch {
            buffer.deallocate()
            throw AzFuseError(error, doing: "reading", path: reportedPath)
        }
        return Data(bytesNoCopy: buffer, count: length, deallocator: .custom { pointer, _ in pointer.deallocate() })
    }
}
