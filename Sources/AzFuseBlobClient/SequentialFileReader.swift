import AzFuseSystem
import Foundation
import Synchronization

/// Reads a file front to back in chunks on the blocking-I/O queue, computing its MD5 on the way, for uploads.
package final class SequentialFileReader: Sendable {
    private struct State {
        var offset: Int64 = 0
        var md5 = MD5()
    }

    /// The file's path.
    package let path: String
    /// The file's size when it was opened.
    package let size: Int64
    private let descriptor: Int32
    private let state = Mutex(State())

    /// Opens `path`.
    package init(path: String) throws {
        self.path = path
        descriptor = try FileIO.openForReading(path)
        do {
            size = try FileIO.size(of: descriptor, path: path)
        } catch {
            Syscall.closeQuietly(descriptor)
            throw error
        }
    }

    deinit {
        Syscall.closeQuietly(descriptor)
    }

    /// Reads the next `count` bytes (fewer only for the last chunk) and adds them to the MD5.
    ///
    /// - Throws: `BlobError` `.fileSystem` on a read error or when the file is shorter than it was when opened.
    package func readNext(_ count: Int) async throws -> Data {
        try await BlockingIO.run { [self] in
            try state.withLock { state in
                let wanted = Int(min(Int64(count), size - state.offset))
                var data = Data(count: wanted)
                let read = try data.withUnsafeMutableBytes { buffer in
                    try FileIO.read(descriptor, into: buffer, at: state.offset, path: path)
                }
                guard read == wanted else {
                    throw BlobError(.fileSystem, "the file shrank while it was being uploaded", path: path)
                }
                state.md5.update(data)
                state.offset += Int64(read)
                return data
            }
        }
    }

    /// The base64 MD5 of everything read, after checking the whole file was read and did not grow.
    package func finishedMD5() throws -> String {
        let current = try FileIO.size(of: descriptor, path: path)
        return try state.withLock { state in
            guard state.offset == size, current == size else {
                throw BlobError(.fileSystem, "the file changed size while it was being uploaded", path: path)
            }
            return Data(state.md5.finalize()).base64EncodedString()
        }
    }
}
