/// A recursive-descent reader for the strict YAML subset described in ``YAMLReader``.
///
/// The parser walks ``YAMLSource/scalars`` with a single cursor. Block collections are delimited by indentation: each
/// block parsing function returns with the cursor on the first content character of the next line that has content
/// (or at the end of the text, or at the start of a `---`/`...` line), and its caller decides from that line's
/// indentation whether the line continues the caller's collection. Anything outside the subset throws instead of
/// being guessed at.
struct YAMLParser {
    /// How many collections may be nested inside each other.
    static let maximumDepth = 64

    let source: YAMLSource
    /// The index of the next unread scalar.
    var index = 0

    /// Creates a parser positioned at the start of `source`.
    init(source: YAMLSource) {
        self.source = source
    }

    /// Reads the whole document: an optional `---` line, one block node (or nothing), an optional `...` line.
    ///
    /// - Returns: The document's value; ``YAMLValue/null`` for a document with no content.
    /// - Throws: ``YAMLError`` naming the file, line and column of the first problem.
    mutating func parseDocument() throws(YAMLError) -> YAMLValue {
        try skipToContent()
        if isAtDocumentMarker("---") {
            index += 3
            try finishLine(
                "a value on the same line as '---' is not supported", "move it to the next line")
        }
        var value = YAMLValue.null
        let rootIndentation = currentIndentation
        if rootIndentation >= 0 {
            let start = index
            value = try parseBlockNode(indentation: rootIndentation, allowsCollection: true, depth: 1)
            if currentIndentation >= 0 {
                throw leftoverContentError(after: value, startingAt: start, indentedAt: rootIndentation)
            }
        }
        if isAtDocumentMarker("...") {
            index += 3
            try finishLine("unexpected text after '...'", "remove it")
            if !isAtEnd && !isAtDocumentMarker("---") {
                throw source.error(
                    "unexpected content after the document end marker '...'", "remove it or the '...' line",
                    at: index)
            }
        }
        if isAtDocumentMarker("---") {
            throw source.error(
                "a second document ('---') is not supported (a configuration file holds one document)",
                "remove this line and what follows, or move it to its own file", at: index)
        }
        return value
    }

    // MARK: - Block structure

    /// Reads the block node whose first character is at the cursor, in column `indentation` (0-based).
    ///
    /// - Parameter allowsCollection: Whether a block sequence or mapping may start here. It may at the start of a
    ///   line and after `- `, but not on the same line as a mapping key.
    private mutating func parseBlockNode(indentation: Int, allowsCollection: Bool, depth: Int) throws(YAMLError)
        -> YAMLValue
    {
        if isAtSequenceItem {
            guard allowsCollection else {
                throw source.error(
                    "a '- ' sequence cannot start on the same line as its key",
                    "put each '- item' on its own line below the key", at: index)
            }
            return try parseBlockSequence(indentation: indentation, endsBeforeKeys: false, depth: depth)
        }
        if peek() == "[" || peek() == "{" {
            let start = index
            let close = peek() == "[" ? "]" : "}"
            let value = try parseFlowCollection(depth: depth)
            try skipInlineSpaces()
            if isAtValueIndicator {
                throw complexKeyError(at: start)
            }
            try finishLine("unexpected text after the closing '\(close)'", "remove it, or quote the whole value")
            return value
        }
        let scalar = try scanScalar(inFlow: false)
        try skipInlineSpaces()
        if isAtValueIndicator {
            guard allowsCollection else {
                throw source.error(
                    "a nested mapping cannot start on the same line as its key",
                    "move 'key: value' to its own line, indented, or quote the value", at: index)
            }
            return try parseBlockMapping(indentation: indentation, firstKey: scalar, depth: depth)
        }
        try finishLine("unexpected text after the closing quote", "quote the whole value")
        return scalar.value
    }

    /// Reads a block mapping whose first key, in column `indentation`, has been scanned; the cursor is on its `:`.
    private mutating func parseBlockMapping(
        indentation: Int, firstKey: ScannedScalar, depth: Int
    ) throws(YAMLError) -> YAMLValue {
        try checkDepth(depth, at: firstKey.start)
        var mapping = MappingBuilder()
        var key = firstKey
        while true {
            try mapping.checkNewKey(key, in: source)
            index += 1
            let value = try parseValue(afterIndicatorIn: indentation, isSequenceItem: false, depth: depth + 1)
            mapping.append(key, value, in: source)
            let next = currentIndentation
            if next < indentation {
                return .mapping(mapping.entries)
            }
            if next > indentation {
                throw indentationError(expected: indentation)
            }
            if isAtSequenceItem {
                throw source.error(
                    "a '- ' item where a key of the mapping above was expected",
                    "indent the item under its key, or align it with the other items", at: index)
            }
            let start = index
            if peek() == "[" || peek() == "{" {
                _ = try parseFlowCollection(depth: depth + 1)
                try skipInlineSpaces()
                throw isAtValueIndicator
                    ? complexKeyError(at: start)
                    : source.error(
                        "expected 'key: value' but found a value without a key", "add a key or fix the indentation",
                        at: start)
            }
            key = try scanScalar(inFlow: false)
            try skipInlineSpaces()
            guard isAtValueIndicator else {
                throw source.error(
                    "expected 'key: value', but this line has no ': '",
                    "add ': ' after the key (values spanning several lines are not supported)", at: start)
            }
        }
    }

    /// Reads a block sequence whose first `-` is at the cursor, in column `indentation`.
    ///
    /// - Parameter endsBeforeKeys: Whether a line at the same indentation that is not a `- ` item ends the sequence
    ///   (true for a sequence that is a mapping value written at its key's indentation) instead of being an error.
    private mutating func parseBlockSequence(indentation: Int, endsBeforeKeys: Bool, depth: Int) throws(YAMLError)
        -> YAMLValue
    {
        try checkDepth(depth, at: index)
        let start = index
        var items: [YAMLValue] = []
        while true {
            index += 1
            items.append(try parseValue(afterIndicatorIn: indentation, isSequenceItem: true, depth: depth + 1))
            let next = currentIndentation
            if next < indentation {
                break
            }
            if next > indentation {
                throw indentationError(expected: indentation)
            }
            if isAtSequenceItem {
                continue
            }
            if endsBeforeKeys {
                break
            }
            throw source.error(
                "expected '- ' to continue the sequence that starts on line \(source.location(of: start).line)",
                "start the line with '- ' or fix its indentation", at: index)
        }
        return .sequence(items)
    }

    /// Reads the value after a mapping key's `:` or a sequence item's `-` (the cursor is just past it).
    ///
    /// The value is on the same line, or on the following lines indented more than `parentIndentation`, or it is
    /// empty (``YAMLValue/null``). A mapping value may also be a `- ` sequence at the key's own indentation.
    private mutating func parseValue(
        afterIndicatorIn parentIndentation: Int, isSequenceItem: Bool, depth: Int
    ) throws(YAMLError) -> YAMLValue {
        try skipInlineSpaces()
        if !isAtLineEndOrComment {
            return try parseBlockNode(
                indentation: source.indentation(of: index), allowsCollection: isSequenceItem, depth: depth)
        }
        try moveToNextContentLine()
        let next = currentIndentation
        if next > parentIndentation {
            return try parseBlockNode(indentation: next, allowsCollection: true, depth: depth)
        }
        if next == parentIndentation && !isSequenceItem && isAtSequenceItem {
            return try parseBlockSequence(indentation: next, endsBeforeKeys: true, depth: depth)
        }
        return .null
    }

    // MARK: - Lines and whitespace

    /// Skips spaces and a comment, requires the end of the line, and moves to the next line that has content.
    ///
    /// - Parameters:
    ///   - problem: What is wrong if other text follows on the line.
    ///   - remedy: What to do about it.
    mutating func finishLine(_ problem: String, _ remedy: String) throws(YAMLError) {
        try skipInlineSpaces()
        guard isAtLineEndOrComment else {
            throw source.error(problem, remedy, at: index)
        }
        try moveToNextContentLine()
    }

    /// From a comment or the end of a line, moves to the next line that has content.
    private mutating func moveToNextContentLine() throws(YAMLError) {
        while let scalar = peek(), scalar != "\n" {
            index += 1
        }
        if !isAtEnd {
            index += 1
            try skipToContent()
        }
    }

    /// From the start of a line, skips blank and comment-only lines, stopping on the first content character of a
    /// line, at the start of a document marker line, or at the end of the text.
    private mutating func skipToContent() throws(YAMLError) {
        while true {
            let lineStart = index
            var position = index
            var firstTab: Int?
            while position < source.scalars.count, source.scalars[position] == " " || source.scalars[position] == "\t" {
                if firstTab == nil && source.scalars[position] == "\t" {
                    firstTab = position
                }
                position += 1
            }
            guard position < source.scalars.count else {
                index = position
                return
            }
            switch source.scalars[position] {
            case "\n":
                index = position + 1
            case "#":
                index = position
                while let scalar = peek(), scalar != "\n" {
                    index += 1
                }
                if isAtEnd {
                    return
                }
                index += 1
            default:
                if let firstTab {
                    throw source.error("a tab is used for indentation", "indent with spaces only", at: firstTab)
                }
                index = isDocumentMarker(at: lineStart) ? lineStart : position
                return
            }
        }
    }

    /// Skips spaces and tabs on the current line; a tab must not be followed by more content on the line.
    mutating func skipInlineSpaces() throws(YAMLError) {
        var firstTab: Int?
        while let scalar = peek(), scalar == " " || scalar == "\t" {
            if firstTab == nil && scalar == "\t" {
                firstTab = index
            }
            index += 1
        }
        if let firstTab, !isAtEnd, peek() != "\n", peek() != "#" {
            throw source.error("a tab separates values on this line", "use spaces instead", at: firstTab)
        }
    }

    /// The 0-based indentation of the line the cursor starts, or -1 at the end of the text or a document marker.
    private var currentIndentation: Int {
        isAtEnd || isDocumentMarker(at: index) ? -1 : source.indentation(of: index)
    }

    /// Whether the cursor is at `marker` (`---` or `...`) at the start of a line, followed by a space or line end.
    private func isAtDocumentMarker(_ marker: String) -> Bool {
        isDocumentMarker(at: index) && source.scalars[index] == marker.unicodeScalars.first
    }

    /// Whether a `---` or `...` document marker line starts at `position`.
    func isDocumentMarker(at position: Int) -> Bool {
        guard position + 3 <= source.scalars.count, position == 0 || source.scalars[position - 1] == "\n" else {
            return false
        }
        let marker = source.scalars[position..<position + 3]
        return (marker.elementsEqual("---".unicodeScalars) || marker.elementsEqual("...".unicodeScalars))
            && isBlankOrEnd(at: position + 3)
    }

    // MARK: - Cursor helpers

    var isAtEnd: Bool {
        index >= source.scalars.count
    }

    /// The scalar `offset` places after the cursor, or `nil` past the end.
    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let position = index + offset
        return position < source.scalars.count ? source.scalars[position] : nil
    }

    /// Whether the scalar at `position` is a space, tab or line feed, or `position` is past the end.
    func isBlankOrEnd(at position: Int) -> Bool {
        guard position < source.scalars.count else { return true }
        let scalar = source.scalars[position]
        return scalar == " " || scalar == "\t" || scalar == "\n"
    }

    /// Whether the cursor is on a `#` that starts a comment: at a line start or after a space or tab.
    var isAtComment: Bool {
        peek() == "#" && (index == 0 || isBlankOrEnd(at: index - 1))
    }

    var isAtLineEndOrComment: Bool {
        isAtEnd || peek() == "\n" || isAtComment
    }

    /// Whether the cursor is on a block sequence indicator: `-` followed by a space or line end.
    private var isAtSequenceItem: Bool {
        peek() == "-" && isBlankOrEnd(at: index + 1)
    }

    /// Whether the cursor is on a block mapping value indicator: `:` followed by a space or line end.
    private var isAtValueIndicator: Bool {
        peek() == ":" && isBlankOrEnd(at: index + 1)
    }

    // MARK: - Errors

    func checkDepth(_ depth: Int, at position: Int) throws(YAMLError) {
        guard depth <= Self.maximumDepth else {
            throw source.error(
                "the document nests collections more than \(Self.maximumDepth) levels deep", "flatten it",
                at: position)
        }
    }

    func complexKeyError(at position: Int) -> YAMLError {
        source.error(
            "complex keys ('? ', or a list or mapping used as a key) are not supported",
            "use a plain or quoted text key followed by ': '", at: position)
    }

    /// The error for content after the document's value has ended; the cursor is on that content.
    private func leftoverContentError(
        after value: YAMLValue, startingAt start: Int, indentedAt rootIndentation: Int
    ) -> YAMLError {
        if value.isNull || value.stringValue != nil {
            return source.error(
                "expected 'key: value' or '- item', but this line has no ': '",
                "add ': ' after the key (values spanning several lines are not supported)", at: start)
        }
        if currentIndentation < rootIndentation {
            return source.error(
                "inconsistent indentation: this line is indented less than the document's first line",
                "align it with the lines it belongs to", at: index)
        }
        return source.error(
            "unexpected content after the end of the document's value",
            "make the document a single mapping or list", at: index)
    }

    private func indentationError(expected indentation: Int) -> YAMLError {
        source.error(
            "inconsistent indentation: this line starts in column \(source.indentation(of: index) + 1), "
                + "but the block above it is in column \(indentation + 1)",
            "align it with the lines it belongs to (values spanning several lines are not supported)", at: index)
    }
}
