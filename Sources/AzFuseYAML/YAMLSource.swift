/// The text of one YAML document, prepared for ``YAMLParser``: a byte order mark removed, CRLF line endings turned
/// into line feeds, and characters YAML does not allow rejected up front.
///
/// It also turns positions into the `file:line:column` form every ``YAMLReader`` error starts with.
struct YAMLSource {
    /// The file name used in error messages.
    let file: String
    /// The document's Unicode scalars, line breaks as `"\n"` only.
    let scalars: [Unicode.Scalar]
    /// The index in ``scalars`` where each line starts; the first is always 0.
    private let lineStarts: [Int]

    /// Prepares `text`, read from `file`.
    ///
    /// - Throws: ``YAMLError`` for a carriage return that is not followed by a line feed,
    ///   a control character, or a Unicode line or paragraph separator (which other YAML readers treat as line breaks).
    init(_ text: String, file: String) throws(YAMLError) {
        self.file = file
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.utf8.count)
        var lineStarts = [0]
        var input = text.unicodeScalars[...]
        if input.first == "\u{FEFF}" {
            input = input.dropFirst()
        }
        var remaining = input.makeIterator()
        var pending = remaining.next()
        while let scalar = pending {
            pending = remaining.next()
            let column = scalars.count - (lineStarts.last ?? 0) + 1
            switch scalar {
            case "\n":
                scalars.append(scalar)
                lineStarts.append(scalars.count)
            case "\r":
                guard pending == "\n" else {
                    throw Self.error(
                        file: file, line: lineStarts.count, column: column,
                        "a carriage return is not followed by a line feed",
                        "save the file with LF or CRLF line endings")
                }
            default:
                guard Self.isAllowed(scalar) else {
                    throw Self.error(
                        file: file, line: lineStarts.count, column: column,
                        "the character \(Self.codePoint(scalar)) is not allowed in YAML", "remove it")
                }
                scalars.append(scalar)
            }
        }
        self.scalars = scalars
        self.lineStarts = lineStarts
    }

    /// The 1-based line and column of the scalar at `index` (or of the end of the text when `index` is past it).
    func location(of index: Int) -> (line: Int, column: Int) {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= index {
                low = middle
            } else {
                high = middle - 1
            }
        }
        return (low + 1, index - lineStarts[low] + 1)
    }

    /// The 0-based column of the scalar at `index`, which is the indentation when it is a line's first content.
    func indentation(of index: Int) -> Int {
        location(of: index).column - 1
    }

    /// An error whose message reads `<file>:<line>:<column>: <problem>; <remedy>`, pointing at the scalar at `index`.
    func error(_ problem: String, _ remedy: String, at index: Int) -> YAMLError {
        let (line, column) = location(of: index)
        return Self.error(file: file, line: line, column: column, problem, remedy)
    }

    /// An error whose message reads `<file>:<line>:<column>: <problem>; <remedy>`.
    static func error(file: String, line: Int, column: Int, _ problem: String, _ remedy: String) -> YAMLError {
        YAMLError(file: file, line: line, column: column, "\(problem); \(remedy)")
    }

    /// `U+XXXX` for `scalar`.
    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Whether YAML allows `scalar` in a document: tab, line feed and printable characters, excluding the
    /// next-line, line-separator and paragraph-separator characters that YAML 1.1 readers treat as line breaks.
    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x20...0x7E, 0xA0...0x2027, 0x202A...0xD7FF, 0xE000...0xFFFD, 0x1_0000...0x10_FFFF:
            return true
        default:
            return false
        }
    }
}
