/// Why ``YAMLReader`` refused a document or a file: where (file, and line and column when the problem is in the
/// text) and what is wrong and what to do.
///
/// ``message`` is the complete text, `<file>:<line>:<column>: <what is wrong>; <what to do>` (1-based, columns
/// counted in Unicode scalars), or `<file>: <what is wrong>; <what to do>` for a file that cannot be read at all.
package struct YAMLError: Error, Sendable, CustomStringConvertible {
    /// The file name given to the reader (the path, for ``YAMLReader/parse(contentsOf:)``).
    package var file: String
    /// The 1-based line of the problem; `nil` when the file itself is the problem (missing, unreadable, too large).
    package var line: Int?
    /// The 1-based column of the problem, counted in Unicode scalars; `nil` exactly when ``line`` is.
    package var column: Int?
    /// What is wrong and what to do, without the location: `<what is wrong>; <what to do>`.
    package var reason: String
    /// The system error behind an unreadable file, if any.
    package var underlying: (any Error)?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - file: The file name.
    ///   - line: The 1-based line, or `nil` for a problem with the whole file.
    ///   - column: The 1-based column, or `nil` for a problem with the whole file.
    ///   - reason: What is wrong and what to do.
    ///   - underlying: The system error, if any.
    package init(file: String, line: Int? = nil, column: Int? = nil, _ reason: String, underlying: (any Error)? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
        self.underlying = underlying
    }

    /// The location followed by the reason: `<file>:<line>:<column>: <reason>`, or `<file>: <reason>`.
    package var message: String {
        if let line, let column {
            return "\(file):\(line):\(column): \(reason)"
        }
        return "\(file): \(reason)"
    }

    /// Same as ``message``.
    package var description: String { message }
}
