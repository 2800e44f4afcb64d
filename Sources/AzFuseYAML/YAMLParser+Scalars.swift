extension YAMLParser {
    /// A scalar as written: its text after unquoting and unescaping, and whether it was quoted.
    struct ScannedScalar {
        /// The words a plain scalar may use to mean null; quoted, they are ordinary text.
        private static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]

        var text: String
        var isQuoted: Bool
        /// The index of the scalar's first character (its opening quote, if quoted).
        var start: Int

        /// The scalar as a value: ``YAMLValue/null`` for an unquoted null word, else a string.
        var value: YAMLValue {
            !isQuoted && Self.nullWords.contains(text) ? .null : .string(text)
        }
    }

    /// Reads a quoted or plain scalar starting at the cursor, leaving the cursor just after it.
    ///
    /// A plain scalar ends at the end of the line, before a comment, or before `: ` (so that the caller can treat
    /// it as a key); inside a flow collection (`inFlow`) also before `,`, `[`, `]`, `{`, `}` and a `:` followed by
    /// one of them. Trailing spaces are not part of it. Characters that start YAML features outside the subset
    /// (anchors, aliases, tags, block scalars, complex keys, directives) are rejected here.
    mutating func scanScalar(inFlow: Bool) throws(YAMLError) -> ScannedScalar {
        let start = index
        guard let first = peek(), first != "\n" else {
            throw source.error("expected a value", "add one", at: start)
        }
        let next = peek(1)
        let nextIsBlank = isBlankOrEnd(at: index + 1)
        switch first {
        case "'":
            return ScannedScalar(text: try scanSingleQuoted(), isQuoted: true, start: start)
        case "\"":
            return ScannedScalar(text: try scanDoubleQuoted(), isQuoted: true, start: start)
        case "&":
            throw source.error("anchors ('&name') are not supported", "write the value out in full", at: start)
        case "*":
            throw source.error(
                "aliases ('*name') are not supported", "write the value out in full where it is used", at: start)
        case "!":
            throw source.error(
                "tags such as '\(tag(at: start))' are not supported (AzFuse reads only text, lists and mappings)",
                "remove the tag, or quote the value if the '!' is part of it", at: start)
        case "|", ">":
            throw source.error(
                "block scalars ('|' and '>') are not supported",
                "write the value on one line, in double quotes with \\n escapes if it needs line breaks", at: start)
        case "#":
            throw source.error(
                "a '#' starts a comment only after a space",
                "add a space before it, or quote a value that starts with '#'", at: start)
        case "," where inFlow:
            throw source.error("an empty item between commas", "remove the extra ','", at: start)
        case "%", "@", "`", ",", "[", "]", "{", "}":
            throw source.error(
                first == "%"
                    ? "directives ('%...') and values starting with '%' are not supported"
                    : "a value cannot start with '\(first)'", "quote the value", at: start)
        case "?" where nextIsBlank:
            throw complexKeyError(at: start)
        case "-" where nextIsBlank:
            throw source.error(
                "a '- ' sequence item cannot appear here",
                "write items inside [ ] separated by commas, or put each '- item' on its own line", at: start)
        case ":" where nextIsBlank || (inFlow && next.map(Self.isFlowIndicator) == true):
            throw source.error(
                "a key is missing before ':'", "add the key, or quote a value that starts with ':'", at: start)
        default:
            return ScannedScalar(text: try scanPlain(inFlow: inFlow), isQuoted: false, start: start)
        }
    }

    /// Reads a plain scalar starting at the cursor; see ``scanScalar(inFlow:)``.
    private mutating func scanPlain(inFlow: Bool) throws(YAMLError) -> String {
        let start = index
        var end = index
        while let scalar = peek(), scalar != "\n" {
            if scalar == " " || scalar == "\t" {
                var position = index
                var firstTab: Int?
                while position < source.scalars.count,
                    source.scalars[position] == " " || source.scalars[position] == "\t"
                {
                    if firstTab == nil && source.scalars[position] == "\t" {
                        firstTab = position
                    }
                    position += 1
                }
                index = position
                if isAtEnd || peek() == "\n" || peek() == "#" {
                    break
                }
                if let firstTab {
                    throw source.error("a tab separates words in an unquoted value", "use spaces instead", at: firstTab)
                }
                continue
            }
            if scalar == ":" && (isBlankOrEnd(at: index + 1) || (inFlow && peek(1).map(Self.isFlowIndicator) == true)) {
                break
            }
            if inFlow {
                if Self.isFlowIndicator(scalar) {
                    break
                }
                if scalar == "?" {
                    throw source.error(
                        "a '?' inside an unquoted value in [ ] or { } is read differently by other YAML tools",
                        "quote the value", at: index)
                }
            }
            index += 1
            end = index
        }
        return text(from: start, to: end)
    }

    /// Reads a single-quoted scalar (`''` is a quote) that must close on the same line.
    private mutating func scanSingleQuoted() throws(YAMLError) -> String {
        let start = index
        index += 1
        var text = String.UnicodeScalarView()
        while true {
            guard let scalar = peek(), scalar != "\n" else {
                throw unterminatedQuoteError(at: start)
            }
            index += 1
            if scalar == "'" {
                guard peek() == "'" else { break }
                index += 1
            }
            text.append(scalar)
        }
        return String(text)
    }

    /// Reads a double-quoted scalar with backslash escapes that must close on the same line.
    private mutating func scanDoubleQuoted() throws(YAMLError) -> String {
        let start = index
        index += 1
        var text = String.UnicodeScalarView()
        while true {
            guard let scalar = peek(), scalar != "\n" else {
                throw unterminatedQuoteError(at: start)
            }
            if scalar == "\"" {
                index += 1
                break
            }
            if scalar == "\\" {
                text.append(try scanEscape(quoteStart: start))
            } else {
                text.append(scalar)
                index += 1
            }
        }
        return String(text)
    }

    /// Reads the escape sequence at the cursor (on its backslash) and returns the character it stands for.
    private mutating func scanEscape(quoteStart: Int) throws(YAMLError) -> Unicode.Scalar {
        let start = index
        index += 1
        guard let letter = peek(), letter != "\n" else {
            throw unterminatedQuoteError(at: quoteStart)
        }
        index += 1
        let digitCount: Int
        switch letter {
        case "x": digitCount = 2
        case "u": digitCount = 4
        case "U": digitCount = 8
        default:
            guard let scalar = Self.simpleEscapes[letter] else {
                throw source.error(
                    "unknown escape sequence '\\\(letter)'", "write '\\\\' for a backslash, or use single quotes",
                    at: start)
            }
            return scalar
        }
        let value = try scanHexDigits(digitCount, escapeStart: start)
        if letter == "u" && (0xD800...0xDBFF).contains(value) && peek() == "\\" && peek(1) == "u" {
            index += 2
            let low = try scanHexDigits(4, escapeStart: start)
            if (0xDC00...0xDFFF).contains(low),
                let scalar = Unicode.Scalar(0x1_0000 + ((value - 0xD800) << 10) + (low - 0xDC00))
            {
                return scalar
            }
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw source.error(
                "the escape sequence does not name a Unicode character", "fix the hexadecimal digits", at: start)
        }
        return scalar
    }

    /// Reads exactly `count` hexadecimal digits at the cursor.
    private mutating func scanHexDigits(_ count: Int, escapeStart: Int) throws(YAMLError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let scalar = peek(), let digit = Self.hexDigitValue(scalar) else {
                throw source.error(
                    "an escape sequence needs \(count) hexadecimal digits", "fix the digits", at: escapeStart)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// The text of the scalars from `start` up to, not including, `end`.
    private func text(from start: Int, to end: Int) -> String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: source.scalars[start..<end])
        return String(text)
    }

    /// The tag at `start` (up to the next space or line end), shortened for an error message.
    private func tag(at start: Int) -> String {
        var end = start
        while end < source.scalars.count, end - start < 40, !isBlankOrEnd(at: end) {
            end += 1
        }
        return text(from: start, to: end)
    }

    private func unterminatedQuoteError(at start: Int) -> YAMLError {
        source.error(
            "this quoted value is not closed on the same line",
            "add the closing quote (quoted values spanning several lines are not supported)", at: start)
    }

    /// The escapes that stand for one fixed character: JSON's, plus YAML's `\0 \a \v \e \N \_ \L \P`, space and tab.
    private static let simpleEscapes: [Unicode.Scalar: Unicode.Scalar] = [
        "0": "\u{0}", "a": "\u{7}", "b": "\u{8}", "t": "\t", "\t": "\t", "n": "\n", "v": "\u{B}", "f": "\u{C}",
        "r": "\r", "e": "\u{1B}", " ": " ", "\"": "\"", "/": "/", "\\": "\\", "N": "\u{85}", "_": "\u{A0}",
        "L": "\u{2028}", "P": "\u{2029}",
    ]

    /// Whether `scalar` is one of the flow indicators `,`, `[`, `]`, `{`, `}`.
    static func isFlowIndicator(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "," || scalar == "[" || scalar == "]" || scalar == "{" || scalar == "}"
    }

    private static func hexDigitValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": return scalar.value - 0x30
        case "a"..."f": return scalar.value - 0x61 + 10
        case "A"..."F": return scalar.value - 0x41 + 10
        default: return nil
        }
    }
}
