import Foundation
import Synchronization

/// Reads a file front to back in chunks on the blocking-I/O queue, computing its MD5 on the way, for uploads.
final class SequentialFileReader: Sendable {
    private struct State {
        var offset: Int64 = 0
        var md5 = MD5()
    }

    /// The file's path.
    let path: String
    /// The file's size when it was opened.
    let size: Int64
    private let descriptor: Int32
    private let state = Mutex(State())

    /// Opens `path`.
    init(path: String) throws {
        self.path = path
        descriptor = try LocalFile.openForReading(path)
        do {
            size = try LocalFile.size(of: descriptor, path: path)
        } catch {
            LocalFile.closeQuietly(descriptor)
            throw error
        }
    }

    deinit {
        LocalFile.closeQuietly(descriptor)
    }

    /// Reads the next `count` bytes (fewer only for the last chunk) and adds them to the MD5.
    ///
    /// - Throws: `AzFuseError` `.fileSystem` on a read error or when the file is shorter than it was when opened.
    func readNext(_ count: Int) async throws -> Data {
        try await BlockingIO.run { [self] in
            try state.withLock { state in
                let wanted = Int(min(Int64(count), size - state.offset))
                var data = Data(count: wanted)
                let read = try data.withUnsafeMutableBytes { buffer in
                    try LocalFile.read(descriptor, into: buffer, at: state.offset, path: path)
                }
                guard read == wanted else {
                    throw AzFuseError(.fileSystem, "the file shrank while it was being uploaded", path: path)
                }
                state.md5.update(data)
                state.offset += Int64(read)
                return data
            }
        }
    }

    /// The base64 MD5 of everything read, after checking the whole file was read and did not grow.
    func finishedMD5() throws -> String {
        let current = try LocalFile.size(of: descriptor, path: path)
        return try state.withLock { state in
            guard state.offset == size, current == size else {
                throw AzFuseError(.fileSystem, "the file changed size while it was being uploaded", path: path)
            }
            return Data(state.md5.finalize()).base64EncodedString()
        }
    }
}
