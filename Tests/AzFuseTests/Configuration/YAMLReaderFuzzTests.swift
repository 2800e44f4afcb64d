import Testing

@testable import AzFuseYAML

/// Randomized tests: mutated and random input never crashes the reader, and rendered random values read back equal.
@Suite struct YAMLReaderFuzzTests {
    static let seeds: [String] = [
        """
        - cache: /tmp/azfuse/data
          local: data
          remote: azfuse_data
          storage_account: storage_config_name
        - cache: /tmp/azfuse/models  # models
          local: models
          remote: ''
          storage_account: "storage_config_name"
        """,
        """
        ---
        _base_: base.yaml
        account_name: accountname
        account_key: null
        sas_token: ?sv=2021-08-06&sp=r&sig=ab%2Bcd%3D=
        container_name: ~
        endpoint: http://127.0.0.1:10000/devstoreaccount1
        ...
        """,
        """
        outer:
          list:
          - a
          - - b
            - "c\\n\\u00e9"
          flow: {k: [1, 2, {x: 'y'}], "q": }
          spread: [
            a, # c
            b,
          ]
        """,
    ]

    /// The characters mutations insert: those that mean something in YAML, and some that are merely unusual.
    static let significant: [Unicode.Scalar] =
        Array(":-[]{}'\"#\t\n &*!|>?,%@`\\~.=\r0a ".unicodeScalars) + [
            "\u{FEFF}", "\u{0}", "\u{7F}", "\u{85}", "\u{2028}", "\u{E9}", "\u{1F600}",
        ]

    @Test func mutatedDocumentsParseOrFailCleanly() {
        var random = SplitMix64(seed: 0xA2F0_5E)
        var parsedCount = 0
        for round in 0..<4000 {
            var scalars = Array(Self.seeds[round % Self.seeds.count].unicodeScalars)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                mutate(&scalars, using: &random)
            }
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars)
            if parsesOrFailsCleanly(String(text)) {
                parsedCount += 1
            }
        }
        // Both outcomes must be exercised for the test to mean something.
        #expect(parsedCount > 100)
        #expect(parsedCount < 3900)
    }

    @Test func randomBytesParseOrFailCleanly() {
        var random = SplitMix64(seed: 0xB17E_5)
        let alphabet = Array(":-[]{}'\"#\t\n &*!|>?,%@`\\~abc01 ".utf8)
        for _ in 0..<3000 {
            let length = Int.random(in: 0...120, using: &random)
            let bytes = (0..<length).map { _ in
                Int.random(in: 0..<8, using: &random) > 0
                    ? alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
                    : UInt8.random(in: 0...255, using: &random)
            }
            parsesOrFailsCleanly(String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test func renderedRandomValuesReadBackEqual() throws {
        var random = SplitMix64(seed: 0xC0FF_EE)
        for _ in 0..<1500 {
            let value = randomValue(depth: 0, using: &random)
            var renderer = Renderer(random: random)
            let text = renderer.document(value)
            random = renderer.random
            let parsed = try YAMLReader.parse(text, file: "roundtrip.yaml")
            #expect(parsed == value, "\(text)")
        }
    }

    // MARK: - Fuzzing helpers

    private func mutate(_ scalars: inout [Unicode.Scalar], using random: inout SplitMix64) {
        let position = Int.random(in: 0...scalars.count, using: &random)
        let inserted = Self.significant[Int.random(in: 0..<Self.significant.count, using: &random)]
        switch Int.random(in: 0..<3, using: &random) {
        case 0 where position < scalars.count:
            let end = min(scalars.count, position + Int.random(in: 1...3, using: &random))
            scalars.removeSubrange(position..<end)
        case 1 where position < scalars.count:
            scalars[position] = inserted
        default:
            scalars.insert(inserted, at: position)
        }
    }

    /// Parses `text`; on failure checks that the error is a well-formed configuration error. Returns whether it parsed.
    @discardableResult
    private func parsesOrFailsCleanly(_ text: String) -> Bool {
        do {
            _ = try YAMLReader.parse(text, file: "fuzz.yaml")
            return true
        } catch {
            #expect(error.file == "fuzz.yaml")
            let parts = error.message.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "fuzz.yaml", let line = Int(parts[1]), let column = Int(parts[2]),
                parts[3].hasPrefix(" "), parts[3].contains("; ")
            else {
                Issue.record("malformed message \(error.message.debugDescription) for \(text.debugDescription)")
                return false
            }
            guard (1...lines.count).contains(line) else {
                Issue.record("line out of range in \(error.message) for \(text.debugDescription)")
                return false
            }
            #expect((1...lines[line - 1].count + 1).contains(column), "\(error.message) for \(text.debugDescription)")
            #expect(error.line == line && error.column == column, "the fields match the message")
            return false
        }
    }

    // MARK: - Round-trip helpers

    /// Texts that are easy to misread: null words, indicators, URLs, SAS tokens, quotes, escapes and non-ASCII.
    static let tricky: [String] = [
        "http://127.0.0.1:10000/x", "?sv=2021&sig=ab%2B=", "a#b", "a # b", "null", "~", "", " lead", "trail ", "it's",
        "say \"hi\"", "tab\there", "line\nbreak", "\u{E9}\u{1F600}", "- x", "a: b", "#c", "[x]", "{y}", "true", "10",
        "-", "?", ":", "&a", "*a", "!t", "|", ">", "%p", "@", "`", "\\", "---", "...", "<<", "a,b",
        "\u{0}\u{85}\u{2028}",
    ]

    private func randomString(using random: inout SplitMix64) -> String {
        if Int.random(in: 0..<3, using: &random) == 0 {
            return Self.tricky[Int.random(in: 0..<Self.tricky.count, using: &random)]
        }
        let alphabet = Array("abcXYZ019_/.-:#?&=% '\"\\\t\u{E9}".unicodeScalars)
        var text = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 1...12, using: &random) {
            text.append(alphabet[Int.random(in: 0..<alphabet.count, using: &random)])
        }
        return String(text)
    }

    private func randomValue(depth: Int, using random: inout SplitMix64) -> YAMLValue {
        // The document itself is a collection; nested values are anything, scalars only from depth 4.
        let choice =
            depth == 0
            ? Int.random(in: 2..<4, using: &random) : Int.random(in: 0..<(depth >= 4 ? 2 : 4), using: &random)
        switch choice {
        case 0:
            return .null
        case 1:
            return .string(randomString(using: &random))
        case 2:
            return .sequence(
                (0..<Int.random(in: 0...4, using: &random)).map { _ in randomValue(depth: depth + 1, using: &random) })
        default:
            var keys: [String] = []
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                let key = randomString(using: &random)
                if !keys.contains(key) {
                    keys.append(key)
                }
            }
            return .mapping(
                keys.map {
                    YAMLMappingEntry(key: $0, value: randomValue(depth: depth + 1, using: &random), line: 0, column: 0)
                })
        }
    }
}

/// Writes a ``YAMLValue`` as YAML text in the subset ``YAMLReader`` accepts, choosing randomly among equivalent
/// layouts: block or flow collections, compact or indented items, plain, single- or double-quoted scalars,
/// comments and blank lines.
private struct Renderer {
    var random: SplitMix64

    private static let nullSpellings = ["null", "~", "NULL", ""]

    mutating func document(_ value: YAMLValue) -> String {
        var lines: [String]
        switch value {
        case .mapping(let entries) where !entries.isEmpty:
            lines = mapping(entries, indentation: 0)
        case .sequence(let items) where !items.isEmpty:
            lines = sequence(items, indentation: 0)
        default:
            lines = [inline(value, inFlow: false)]
        }
        if chance(4) {
            lines.insert("--- # start", at: 0)
        }
        return lines.joined(separator: chance(4) ? "\r\n" : "\n") + (chance(2) ? "\n" : "")
    }

    private mutating func mapping(_ entries: [YAMLMappingEntry], indentation: Int) -> [String] {
        let pad = String(repeating: " ", count: indentation)
        var lines: [String] = []
        for entry in entries {
            let key = pad + scalar(entry.key, inFlow: false, isKey: true) + ":"
            switch entry.value {
            case .mapping(let nested) where !nested.isEmpty && !chance(5):
                lines.append(key + comment())
                lines += mapping(nested, indentation: indentation + (chance(2) ? 2 : 4))
            case .sequence(let items) where !items.isEmpty && !chance(5):
                lines.append(key + comment())
                lines += sequence(items, indentation: indentation + (chance(2) ? 0 : 2))
            default:
                lines.append(key + " " + inline(entry.value, inFlow: false) + comment())
            }
            if chance(8) {
                lines.append(chance(2) ? "" : pad + "# between")
            }
        }
        return lines
    }

    private mutating func sequence(_ items: [YAMLValue], indentation: Int) -> [String] {
        let pad = String(repeating: " ", count: indentation)
        var lines: [String] = []
        for item in items {
            var nested: [String]
            switch item {
            case .mapping(let entries) where !entries.isEmpty && !chance(5):
                nested = mapping(entries, indentation: indentation + 2)
            case .sequence(let inner) where !inner.isEmpty && !chance(5):
                nested = sequence(inner, indentation: indentation + 2)
            default:
                lines.append(pad + "- " + inline(item, inFlow: false) + comment())
                continue
            }
            if chance(3) {
                lines.append(pad + "-" + comment())
            } else {
                nested[0] = pad + "- " + nested[0].dropFirst(indentation + 2)
            }
            lines += nested
        }
        return lines
    }

    private mutating func inline(_ value: YAMLValue, inFlow: Bool) -> String {
        switch value {
        case .null:
            let spelling = Self.nullSpellings[Int.random(in: 0..<Self.nullSpellings.count, using: &random)]
            return inFlow && spelling.isEmpty ? "null" : spelling
        case .string(let text):
            return scalar(text, inFlow: inFlow, isKey: false)
        case .sequence(let items):
            var parts: [String] = []
            for item in items {
                parts.append(inline(item, inFlow: true))
            }
            return "[" + parts.joined(separator: chance(3) ? ",\n  " : ", ")
                + (!items.isEmpty && chance(4) ? ",]" : "]")
        case .mapping(let entries):
            var parts: [String] = []
            for entry in entries {
                parts.append(scalar(entry.key, inFlow: true, isKey: true) + ": " + inline(entry.value, inFlow: true))
            }
            return "{" + parts.joined(separator: ", ") + "}"
        }
    }

    private mutating func scalar(_ text: String, inFlow: Bool, isKey: Bool) -> String {
        if isPlainSafe(text, inFlow: inFlow) && !(isKey && text == "<<") && !chance(4) {
            return text
        }
        let isPrintable =
            text.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) || $0.value > 0xFF }
            && !text.unicodeScalars.contains { (0x2028...0x2029).contains($0.value) }
        if isPrintable && chance(2) {
            return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        }
        var quoted = "\""
        for unit in text.unicodeScalars {
            switch unit {
            case "\"": quoted += "\\\""
            case "\\": quoted += chance(2) ? "\\\\" : "\\x5C"
            case "\n": quoted += "\\n"
            case "\t": quoted += chance(2) ? "\\t" : "\t"
            case "/": quoted += chance(2) ? "\\/" : "/"
            default:
                if unit.value < 0x20 || (0x7F...0xA0).contains(unit.value) || (0x2028...0x2029).contains(unit.value) {
                    quoted +=
                        "\\u" + String(repeating: "0", count: 4 - String(unit.value, radix: 16).count)
                        + String(unit.value, radix: 16)
                } else if unit.value > 0xFFFF && chance(2) {
                    let offset = unit.value - 0x1_0000
                    quoted +=
                        "\\u" + String(0xD800 + (offset >> 10), radix: 16) + "\\u"
                        + String(0xDC00 + (offset & 0x3FF), radix: 16, uppercase: true)
                } else {
                    quoted.unicodeScalars.append(unit)
                }
            }
        }
        return quoted + "\""
    }

    /// Whether `text` reads back as itself when written without quotes (conservatively).
    private func isPlainSafe(_ text: String, inFlow: Bool) -> Bool {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
            !["null", "Null", "NULL", "~"].contains(text), !text.hasPrefix("---"), !text.hasPrefix("..."),
            !"-?:,[]{}#&*!|>'\"%@` ".unicodeScalars.contains(first), last != " ", last != ":",
            !text.contains(": "), !text.contains(" #")
        else {
            return false
        }
        let forbidden = inFlow ? ",[]{}?:#\t\n\\" : "\t\n"
        return text.unicodeScalars.allSatisfy { unit in
            !forbidden.unicodeScalars.contains(unit) && unit.value >= 0x20 && !(0x7F...0xA0).contains(unit.value)
                && !(0x2028...0x2029).contains(unit.value)
        }
    }

    private mutating func comment() -> String {
        chance(6) ? "  # note" : ""
    }

    private mutating func chance(_ oneIn: Int) -> Bool {
        Int.random(in: 0..<oneIn, using: &random) == 0
    }
}
