extension YAMLParser {
    /// Reads a flow collection (`[a, b]` or `{key: value}`) whose opening bracket is at the cursor, leaving the
    /// cursor just after its closing bracket. It may span several lines; comments need a space before their `#`.
    ///
    /// Entries are separated by commas and a trailing comma is allowed. A flow mapping entry needs a key, which
    /// must be text on one line with its `:`; an empty value is ``YAMLValue/null``.
    mutating func parseFlowCollection(depth: Int) throws(YAMLError) -> YAMLValue {
        let open = index
        try checkDepth(depth, at: open)
        let isSequence = source.scalars[open] == "["
        let close: Unicode.Scalar = isSequence ? "]" : "}"
        index += 1
        var items: [YAMLValue] = []
        var mapping = MappingBuilder()
        while true {
            try skipFlowWhitespace(openedAt: open)
            if peek() == close {
                break
            }
            if isSequence {
                items.append(try parseFlowNode(depth: depth + 1))
            } else {
                try parseFlowMappingEntry(into: &mapping, depth: depth, openedAt: open)
            }
            try skipFlowWhitespace(openedAt: open)
            if peek() == "," {
                index += 1
                continue
            }
            if peek() == close {
                break
            }
            if isSequence && peek() == ":" {
                throw source.error(
                    "a 'key: value' pair inside [ ] is not supported", "write it as a mapping: [{key: value}]",
                    at: index)
            }
            throw source.error(
                "expected ',' or '\(close)' after an entry of the collection that starts at line "
                    + "\(source.location(of: open).line), column \(source.location(of: open).column)",
                "add the missing ',' or '\(close)', or quote a value that contains spaces or brackets", at: index)
        }
        index += 1
        return isSequence ? .sequence(items) : .mapping(mapping.entries)
    }

    /// Reads one `key: value` entry of a flow mapping, starting at its key.
    private mutating func parseFlowMappingEntry(
        into mapping: inout MappingBuilder, depth: Int, openedAt open: Int
    ) throws(YAMLError) {
        if peek() == "[" || peek() == "{" {
            throw complexKeyError(at: index)
        }
        let key = try scanScalar(inFlow: true)
        try skipInlineSpaces()
        guard peek() == ":" else {
            throw source.error(
                "expected ':' after the key", "write the entry as 'key: value' with the key on one line", at: index)
        }
        try mapping.checkNewKey(key, in: source)
        index += 1
        try skipFlowWhitespace(openedAt: open)
        let value: YAMLValue
        if peek() == "," || peek() == "}" {
            value = .null
        } else {
            value = try parseFlowNode(depth: depth + 1)
        }
        mapping.append(key, value, in: source)
    }

    /// Reads one value inside a flow collection: a nested collection or a scalar.
    private mutating func parseFlowNode(depth: Int) throws(YAMLError) -> YAMLValue {
        if peek() == "[" || peek() == "{" {
            return try parseFlowCollection(depth: depth)
        }
        return try scanScalar(inFlow: true).value
    }

    /// Skips spaces, line breaks and comments inside a flow collection.
    ///
    /// - Throws: An error naming the opening bracket when the text or the document ends first.
    private mutating func skipFlowWhitespace(openedAt open: Int) throws(YAMLError) {
        while true {
            guard let scalar = peek(), !(scalar == "\n" && isDocumentMarker(at: index + 1)) else {
                let bracket = source.scalars[open]
                throw source.error(
                    "this '\(bracket)' is never closed", "add the matching '\(bracket == "[" ? "]" : "}")'", at: open)
            }
            if scalar == " " || scalar == "\t" {
                try skipInlineSpaces()
            } else if scalar == "\n" {
                index += 1
            } else if isAtComment {
                while let next = peek(), next != "\n" {
                    index += 1
                }
            } else {
                return
            }
        }
    }
}
