import AzFuseBlobClient

/// The POSIX file calls of the blob client's `FileIO`, for the library: failures are reported as ``AzFuseError``
/// (`.notFound` for a missing file, else `.fileSystem`) naming the path.
enum LocalFile {
    /// Opens `path` for reading.
    static func openForReading(_ path: String) throws(AzFuseError) -> Int32 {
        do { return try FileIO.openForReading(path) } catch { throw AzFuseError(error) }
    }

    /// Creates `path`, which must not exist, for reading and writing.
    static func createExclusive(_ path: String) throws(AzFuseError) -> Int32 {
        do { return try FileIO.createExclusive(path) } catch { throw AzFuseError(error) }
    }

    /// The size of the open file.
    static func size(of descriptor: Int32, path: String) throws(AzFuseError) -> Int64 {
        do { return try FileIO.size(of: descriptor, path: path) } catch { throw AzFuseError(error) }
    }

    /// Cuts the open file to `length` bytes.
    static func truncate(_ descriptor: Int32, to length: Int64, path: String) throws(AzFuseError) {
        do { try FileIO.truncate(descriptor, to: length, path: path) } catch { throw AzFuseError(error) }
    }

    /// Reads up to `buffer.count` bytes at `offset`, stopping early only at end of file; returns the count read.
    static func read(
        _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String
    ) throws(AzFuseError) -> Int {
        do {
            return try FileIO.read(descriptor, into: buffer, at: offset, path: path)
        } catch {
            throw AzFuseError(error)
        }
    }

    /// Closes the descriptor, reporting a failure (a deferred write error, for example).
    static func close(_ descriptor: Int32, path: String) throws(AzFuseError) {
        do { try FileIO.close(descriptor, path: path) } catch { throw AzFuseError(error) }
    }

    /// Closes the descriptor on an error path, ignoring failures.
    static func closeQuietly(_ descriptor: Int32) {
        FileIO.closeQuietly(descriptor)
    }

    /// Atomically replaces `destination` with `source`.
    static func rename(_ source: String, to destination: String) throws(AzFuseError) {
        do { try FileIO.rename(source, to: destination) } catch { throw AzFuseError(error) }
    }

    /// Removes `path` on an error path, ignoring failures.
    static func removeQuietly(_ path: String) {
        FileIO.removeQuietly(path)
    }
}
