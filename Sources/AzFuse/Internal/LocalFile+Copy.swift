#if canImport(Glibc)
    import Glibc
#endif

extension LocalFile {
    /// Copies the content of `source` into the existing file `destination`, replacing what it held, in the kernel
    /// (`sendfile`). Blocking: call it through ``BlockingIO``.
    ///
    /// - Throws: ``AzFuseError`` naming the file that failed: `.notFound` when `source` does not exist.
    static func copyContents(from source: String, to destination: String) throws {
        let input = try openForReading(source)
        defer { closeQuietly(input) }
        let output = open(destination, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard output >= 0 else { throw AzFuseError.fileSystem("opening the copy", path: destination) }
        do {
            while true {
                let sent = sendfile(output, input, nil, 1 << 30)
                if sent < 0 {
                    if errno == EINTR { continue }
                    throw AzFuseError.fileSystem("copying \(source)", path: destination)
                }
                if sent == 0 { break }
            }
        } catch {
            closeQuietly(output)
            throw error
        }
        try close(output, path: destination)
    }
}
