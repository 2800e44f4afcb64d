import Foundation

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
/// an ``AzFuseError`` with code ``AzFuseError/Code/invalidConfiguration`` whose message reads
/// `<file>:<line>:<column>: <what is wrong>; <what to do>` (1-based, columns counted in Unicode scalars).
///
/// ```swift
/// let account = try YAMLReader.parse(contentsOf: "aux_data/storage_account/main.yaml")
/// let container = account["container_name"]?.stringValue
/// ```
enum YAMLReader {
    /// The largest configuration file ``parse(contentsOf:)`` reads, in bytes.
    static let maximumFileSize = 1 << 20

    /// Parses one YAML document.
    ///
    /// - Parameters:
    ///   - text: The document.
    ///   - file: The file name to use in error messages.
    /// - Returns: The document's value; ``YAMLValue/null`` for an empty document.
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` naming `file`, line and column of the first problem.
    static func parse(_ text: String, file: String) throws -> YAMLValue {
        var parser = YAMLParser(source: try YAMLSource(text, file: file))
        return try parser.parseDocument()
    }

    /// Reads and parses the YAML file at `path`, which must be UTF-8 and at most ``maximumFileSize`` bytes.
    ///
    /// - Parameter path: The file to read.
    /// - Returns: The document's value; ``YAMLValue/null`` for an empty document.
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` with `path` set, when the file cannot be read, is too
    ///   large, is not UTF-8, or is not valid in the supported subset.
    static func parse(contentsOf path: String) throws -> YAMLValue {
        try parse(decodeUTF8(readFile(at: path), file: path), file: path)
    }

    /// Reads at most ``maximumFileSize`` bytes from the regular file at `path`.
    private static func readFile(at path: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AzFuseError(
                .invalidConfiguration, "\(path): the configuration file does not exist; check the path", path: path)
        }
        guard !isDirectory.boolValue else {
            throw AzFuseError(
                .invalidConfiguration, "\(path): this is a directory, not a configuration file; check the path",
                path: path)
        }
        let data: Data?
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.read(upToCount: maximumFileSize + 1)
        } catch {
            throw AzFuseError(
                .invalidConfiguration, "\(path): the configuration file cannot be read; check its permissions",
                path: path, underlying: error)
        }
        let bytes = data ?? Data()
        guard bytes.count <= maximumFileSize else {
            throw AzFuseError(
                .invalidConfiguration,
                "\(path): the configuration file is larger than \(maximumFileSize) bytes; check that this is the "
                    + "right file",
                path: path)
        }
        return bytes
    }

    /// Decodes `bytes` as UTF-8, reporting the line and column of the first invalid sequence.
    private static func decodeUTF8(_ bytes: Data, file: String) throws -> String {
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
