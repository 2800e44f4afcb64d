import AzFuseSystem
import Foundation
import Synchronization

/// Computes the MD5 of a file being downloaded in parallel ranges: each range is hashed, in order, as soon as it and
/// every range before it are complete, by reading it back (from the page cache) on the blocking-I/O queue.
final class ReadBackMD5: Sendable {
    private static let bufferSize = 1 << 20

    private let descriptor: Int32
    private let path: String
    private let md5 = Mutex(MD5())

    /// Hashes the file open as `descriptor`.
    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Adds bytes `offset..<offset+length` of the file to the hash; ranges must come in file order.
    func hashRange(offset: Int64, length: Int64) async throws {
        try await BlockingIO.run { [self] in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 16)
            defer { buffer.deallocate() }
            var done: Int64 = 0
            while done < length {
                let piece = UnsafeMutableRawBufferPointer(
                    rebasing: buffer[0..<Int(min(Int64(Self.bufferSize), length - done))])
                let read = try FileIO.read(descriptor, into: piece, at: offset + done, path: path)
                guard read == piece.count else {
                    throw BlobError(.integrityCheckFailed, "the downloaded file is shorter than expected", path: path)
                }
                md5.withLock { $0.update(UnsafeRawBufferPointer(piece)) }
                done += Int64(read)
            }
        }
    }

    /// The base64 digest of everything hashed.
    func finalize() -> String {
        Data(md5.withLock { $0.finalize() }).base64EncodedString()
    }
}
