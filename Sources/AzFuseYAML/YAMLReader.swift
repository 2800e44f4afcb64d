// The AzFuseYAML target: the strict YAML-subset reader for azfuse's configuration files (mapping files, storage
// account files), without a YAML package.
//
// Contract:
// - What it does: text or a file in, a `YAMLValue` tree out (every scalar stays text; keys keep their line and
//   column), or a `YAMLError` naming the file, line and column and saying what to do. Nothing else: it does not
//   know what a mount or a storage account is.
// - What it must not depend on: AzFuse or the blob client; only AzFuseSystem (the POSIX layer), the Swift standard
//   library, Foundation and Glibc. Errors are its own `YAMLError`; the library turns them into `AzFuseError` where it
//   reads a configuration file.
// - Its API is `package`: it is not part of AzFuse's public API.

import AzFuseSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads azfuse's YAML configuration files without a YAML package, accepting only a strict subset of YAML.
///
/// Supported: block mappings and sequences nested by indentation (including the `- key: value` list-of-mappings
/// form and a sequence written at its key's indentation), flow collections (`[a, b]`, `{key: value}`, possibly over
/// several lines), plain, single-quoted and double-quoted scalars, comments, blank lines, an optional leading `---`
/// and trailing `...`, a UTF-8 byte order mark and CRLF line endings. Scalars are not interpreted: `true`, `10` and
/// `1.5` are strings; `null`, `Null`, `NULL`, `~` and empty values are ``YAMLValue/null``.
///
/// Everything else is an error rather than a guess: tabs used for indentation, anchors and aliases, tags, block
/// scalars, complex keys, merge keys, a second document, duplicate keys, inconsistent indentation, values spanning
/// several lines, unterminated quotes or brackets, and collections nested more than 64 levels deep. Every error is
/// a ``YAMLError`` whose message reads `<file>:<line>:<column>: <what is wrong>; <what to do>` (1-based, columns
/// counted in Unicode scalars).
///
/// ```swift
/// let account = try YAMLReader.parse(contentsOf: "aux_data/storage_account/main.yaml")
/// let container = account["container_name"]?.stringValue
/// ```
package enum YAMLReader {
    /// The largest configuration file ``parse(contentsOf:)`` reads, in bytes.
    package static let maximumFileSize = 1 << 20

    /// Parses one YAML document.
    ///
    /// - Parameters:
    ///   - text: The document.
    ///   - file: The file name to use in error messages.
    /// - Returns: The document's value; ``YAMLValue/null`` for an empty document.
    /// - Throws: ``YAMLError`` naming `file`, line and column of the first problem.
    package static func parse(_ text: String, file: String) throws(YAMLError) -> YAMLValue {
        var parser = YAMLParser(source: try YAMLSource(text, file: file))
        return try parser.parseDocument()
    }

    /// Reads and parses the YAML file at `path`, which must be UTF-8 and at most ``maximumFileSize`` bytes.
    ///
    /// - Parameter path: The file to read.
    /// - Returns: The document's value; ``YAMLValue/null`` for an empty document.
    /// - Throws: ``YAMLError`` with ``YAMLError/file`` set to `path`, when the file does not exist, is not a
    ///   regular file (a directory, FIFO, device or socket is refused without waiting), cannot be read, is too large,
    ///   is not UTF-8, or is not valid in the supported subset.
    package static func parse(contentsOf path: String) throws(YAMLError) -> YAMLValue {
        try parse(decodeUTF8(readFile(at: path), file: path), file: path)
    }

    /// Reads at most ``maximumFileSize`` bytes from the regular file at `path` (a symbolic link to one is fine).
    ///
    /// Anything else (a directory, a FIFO, a device, a socket) is refused at once: it is checked before the file is
    /// opened, opened without blocking (a FIFO with no writer would otherwise wait forever) and checked again on the
    /// open descriptor, so a file swapped in between is refused too.
    private static func readFile(at path: String) throws(YAMLError) -> Data {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let failure = SystemCallError("stat", path: path)
            if failure.isMissing {
                throw YAMLError(file: path, "the configuration file does not exist; check the path")
            }
            throw unreadable(path, failure)
        }
        try requireRegularFile(status, path: path)
        let descriptor: Int32
        do throws(SystemCallError) {
            descriptor = try Syscall.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY)
        } catch {
            throw unreadable(path, error)
        }
        defer { Syscall.closeQuietly(descriptor) }
        do throws(SystemCallError) {
            status = try Syscall.status(of: descriptor, path: path)
        } catch {
            throw unreadable(path, error)
        }
        try requireRegularFile(status, path: path)

        var bytes = [UInt8](repeating: 0, count: maximumFileSize + 1)
        let received = bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(SystemCallError) in try Syscall.read(descriptor, into: buffer, path: path) }
        }
        let count: Int
        do throws(SystemCallError) {
            count = try received.get()
        } catch {
            throw unreadable(path, error)
        }
        guard count <= maximumFileSize else {
            throw YAMLError(
                file: path,
                "the configuration file is larger than \(maximumFileSize) bytes; check that this is the right file")
        }
        return Data(bytes[..<count])
    }

    /// Throws unless `status` describes a regular file.
    private static func requireRegularFile(_ status: stat, path: String) throws(YAMLError) {
        let kind: String
        switch FileKind(mode: status.st_mode) {
        case .regular: return
        case .folder: kind = "a directory"
        case .fifo: kind = "a FIFO (named pipe)"
        case .characterDevice: kind = "a character device"
        case .blockDevice: kind = "a block device"
        case .socket: kind = "a socket"
        case .symbolicLink, .other: kind = "an unsupported kind of file"
        }
        throw YAMLError(file: path, "this is \(kind), not a configuration file; give the path of a regular YAML file")
    }

    /// The error for a configuration file that exists but cannot be read; the failed call is its cause.
    private static func unreadable(_ path: String, _ failure: SystemCallError) -> YAMLError {
        YAMLError(
            file: path,
            "the configuration file cannot be read (\(failure.reason)); check its permissions",
            underlying: failure)
    }

    /// Decodes `bytes` as UTF-8, reporting the line and column of the first invalid sequence.
    private static func decodeUTF8(_ bytes: Data, file: String) throws(YAMLError) -> String {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var line = 1
        var column = 1
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar == "\n" {
                    line += 1
                    column = 1
                } else if !(scalar == "\u{FEFF}" && line == 1 && column == 1) {
                    column += 1
                }
            case .emptyInput:
                return String(decoding: bytes, as: UTF8.self)
            case .error:
                throw YAMLSource.error(
                    file: file, line: line, column: column, "the file is not valid UTF-8", "save it as UTF-8")
            }
        }
    }
}
