import Foundation
import Testing

@testable import AzFuseYAML

@Suite struct YAMLReaderTests {
    // MARK: - Valid documents

    @Test func readsTheREADMEMappingList() throws {
        let text = """
            - cache: /tmp/azfuse/data
              local: data
              remote: azfuse_data
              storage_account: storage_config_name
            - cache: /tmp/azfuse/models
              local: models
              remote: models
              storage_account: storage_config_name

            """
        let value = try parse(text)
        #expect(
            value
                == .sequence([
                    stringMapping([
                        ("cache", "/tmp/azfuse/data"), ("local", "data"), ("remote", "azfuse_data"),
                        ("storage_account", "storage_config_name"),
                    ]),
                    stringMapping([
                        ("cache", "/tmp/azfuse/models"), ("local", "models"), ("remote", "models"),
                        ("storage_account", "storage_config_name"),
                    ]),
                ]))
        guard case .sequence(let items) = value, case .mapping(let second) = items.last else {
            Issue.record("expected a sequence of mappings")
            return
        }
        #expect(second.map(\.key) == ["cache", "local", "remote", "storage_account"])
        #expect(second.map(\.line) == [5, 6, 7, 8])
        #expect(second.map(\.column) == [3, 3, 3, 3])
    }

    @Test func readsAStorageAccountFileWithBaseAndNulls() throws {
        let text = """
            _base_: ../shared/base.yaml
            account_name: accountname
            account_key: null
            sas_token: ~
            container_name: containername
            use_default_azure_cred: true
            retries: 10
            empty:
            """
        let value = try parse(text)
        #expect(value["_base_"] == .string("../shared/base.yaml"))
        #expect(value["account_name"]?.stringValue == "accountname")
        #expect(value["account_key"]?.isNull == true)
        #expect(value["sas_token"]?.isNull == true)
        #expect(value["container_name"]?.stringValue == "containername")
        #expect(value["use_default_azure_cred"] == .string("true"))
        #expect(value["retries"] == .string("10"))
        #expect(value["empty"] == .null)
        #expect(value["missing"] == nil)
        #expect(value["account_key"]?.stringValue == nil)
        #expect(
            try parse("[NULL, Null, nulls, '~', \"null\", '']")
                == .sequence([
                    .null, .null, .string("nulls"), .string("~"), .string("null"), .string(""),
                ]))
    }

    @Test func readsQuotedStringsWithEscapesAndHashes() throws {
        let text = #"""
            double: "a \"quoted\" # not a comment \\ \/ \n\t\r \u00e9\x41 \uD83D\uDE00 \U0001F600"
            single: 'it''s # here, [not] a: list'  # a comment
            hash: "#start"
            empty: ""
            "quoted key": 'value'
            'null': "null"
            """#
        let value = try parse(text)
        #expect(value["double"] == .string("a \"quoted\" # not a comment \\ / \n\t\r \u{e9}A \u{1F600} \u{1F600}"))
        #expect(value["single"] == .string("it's # here, [not] a: list"))
        #expect(value["hash"] == .string("#start"))
        #expect(value["empty"] == .string(""))
        #expect(value["quoted key"] == .string("value"))
        #expect(value["null"] == .string("null"))
    }

    @Test func readsURLsAndSASTokensAsPlainScalars() throws {
        let text = """
            endpoint: http://127.0.0.1:10000/devstoreaccount1
            sas_token: ?sv=2021-08-06&ss=b&srt=sco&sp=rwdlac&se=2030-01-01T00:00:00Z&sig=ab%2Bcd%3D=
            remote: data/run#3/out
            ratio: 50% done   
            list: a[0]{1}, b
            """
        let value = try parse(text)
        #expect(value["endpoint"] == .string("http://127.0.0.1:10000/devstoreaccount1"))
        #expect(
            value["sas_token"]
                == .string("?sv=2021-08-06&ss=b&srt=sco&sp=rwdlac&se=2030-01-01T00:00:00Z&sig=ab%2Bcd%3D="))
        #expect(value["remote"] == .string("data/run#3/out"))
        #expect(value["ratio"] == .string("50% done"))
        #expect(value["list"] == .string("a[0]{1}, b"))
    }

    @Test func readsFlowCollectionsOverSeveralLines() throws {
        let text = """
            plain: [a, 'b', "c", 1]
            nested: {k: v, "k2": [1, 2], k3: , url: http://h:1/x}
            spread: [
              a,   # comment inside
              {n: [1, [2, 3]]},
            ]
            json: {"name":"x","n":[]}
            empty: []
            none: {}
            """
        let value = try parse(text)
        #expect(value["plain"] == .sequence(["a", "b", "c", "1"].map(YAMLValue.string)))
        #expect(
            value["nested"]
                == .mapping([
                    entry("k", .string("v")), entry("k2", .sequence([.string("1"), .string("2")])), entry("k3", .null),
                    entry("url", .string("http://h:1/x")),
                ]))
        #expect(
            value["spread"]
                == .sequence([
                    .string("a"),
                    .mapping([
                        entry("n", .sequence([.string("1"), .sequence([.string("2"), .string("3")])]))
                    ]),
                ]))
        #expect(value["json"] == .mapping([entry("name", .string("x")), entry("n", .sequence([]))]))
        #expect(value["empty"] == .sequence([]))
        #expect(value["none"] == .mapping([]))
    }

    @Test func ignoresCommentsEverywhere() throws {
        let text = """
            # leading comment
            --- # document start
              # indented comment
            - # item on the next line
              local: data # trailing
                # odd indentation
              remote: 'r' # after a quote
            #  between items
            -   cache: c#not-a-comment
            ... # document end
            # trailing comment
            """
        #expect(
            try parse(text)
                == .sequence([
                    stringMapping([("local", "data"), ("remote", "r")]), stringMapping([("cache", "c#not-a-comment")]),
                ]))
    }

    @Test func acceptsCRLFAndAByteOrderMark() throws {
        let text = "\u{FEFF}a: 1\r\nb:\r\n  - x # c\r\n  - 'y'\r\n"
        #expect(
            try parse(text)
                == .mapping([entry("a", .string("1")), entry("b", .sequence([.string("x"), .string("y")]))]))
        guard case .mapping(let entries) = try parse(text) else { return }
        #expect(entries.map(\.column) == [1, 1])
        #expect(entries.map(\.line) == [1, 2])
    }

    @Test(arguments: ["", "\n\n", "# only a comment\n", "---\n", "---\n...\n", "\u{FEFF}", "  \n\t\n", "~", "null"])
    func readsAnEmptyDocumentAsNull(text: String) throws {
        #expect(try parse(text) == .null)
    }

    @Test func readsNestedMappingsAndSequences() throws {
        let text = """
            outer:
              middle:
                inner: deep
                list:
                - a
                - - b
                  - c
              sibling: s
            items:
            - x
            -
            - k: v
              more:
                - 1
            next line:
              on its own line
            top: end
            """
        let value = try parse(text)
        #expect(
            value
                == mapping([
                    (
                        "outer",
                        mapping([
                            (
                                "middle",
                                mapping([
                                    ("inner", .string("deep")),
                                    ("list", .sequence([.string("a"), .sequence([.string("b"), .string("c")])])),
                                ])
                            ),
                            ("sibling", .string("s")),
                        ])
                    ),
                    (
                        "items",
                        .sequence([
                            .string("x"), .null, mapping([("k", .string("v")), ("more", .sequence([.string("1")]))]),
                        ])
                    ),
                    ("next line", .string("on its own line")),
                    ("top", .string("end")),
                ]))
    }

    @Test func readsOtherDocumentShapes() throws {
        #expect(try parse("just text") == .string("just text"))
        #expect(try parse("[a, b]  # flow root") == .sequence([.string("a"), .string("b")]))
        #expect(try parse("    a: 1\n    b: 2\n") == stringMapping([("a", "1"), ("b", "2")]))
        #expect(try parse("key : spaced\n'q' : v") == stringMapping([("key", "spaced"), ("q", "v")]))
        #expect(try parse("- -x\n- :y\n- ?z") == .sequence(["-x", ":y", "?z"].map(YAMLValue.string)))
    }

    @Test func convenienceAccessorsAnswerForEveryCase() {
        let value = stringMapping([("a", "1")])
        #expect(value["a"]?.stringValue == "1")
        #expect(YAMLValue.sequence([])["a"] == nil)
        #expect(YAMLValue.string("x")["a"] == nil)
        #expect(YAMLValue.null.isNull)
        #expect(!YAMLValue.string("").isNull)
        #expect(YAMLValue.sequence([]).stringValue == nil)
        #expect(
            YAMLMappingEntry(key: "k", value: .null, line: 1, column: 1)
                == YAMLMappingEntry(key: "k", value: .null, line: 9, column: 9))
    }

    // MARK: - Rejected documents

    struct Rejection: CustomTestStringConvertible, Sendable {
        var text: String
        var line: Int
        var column: Int
        var says: String
        var testDescription: String { says }
    }

    static let rejections: [Rejection] = [
        Rejection(text: "a:\n\tb: 1", line: 2, column: 1, says: "tab is used for indentation"),
        Rejection(text: "a:\n  \t b: 1", line: 2, column: 3, says: "tab is used for indentation"),
        Rejection(text: "a:\tb", line: 1, column: 3, says: "tab separates values"),
        Rejection(text: "a: b\tc", line: 1, column: 5, says: "tab separates words"),
        Rejection(text: "a: &anchor 1", line: 1, column: 4, says: "anchors"),
        Rejection(text: "a: 1\nb: *anchor", line: 2, column: 4, says: "aliases"),
        Rejection(text: "a: [1, *x]", line: 1, column: 8, says: "aliases"),
        Rejection(
            text: "a: !!python/object/apply:os.system [ls]", line: 1, column: 4,
            says: "tags such as '!!python/object/apply:os.system' are not supported"),
        Rejection(text: "- !foo x", line: 1, column: 3, says: "tags such as '!foo'"),
        Rejection(text: "a: |\n  text", line: 1, column: 4, says: "block scalars"),
        Rejection(text: "a: >-\n  text", line: 1, column: 4, says: "block scalars"),
        Rejection(text: "a: 1\n---\nb: 2", line: 2, column: 1, says: "a second document"),
        Rejection(text: "a: 1\n...\n---\nb: 2", line: 3, column: 1, says: "a second document"),
        Rejection(text: "a: 1\n...\nb: 2", line: 3, column: 1, says: "after the document end marker"),
        Rejection(text: "--- a: 1", line: 1, column: 5, says: "same line as '---'"),
        Rejection(text: "? a\n: b", line: 1, column: 1, says: "complex keys"),
        Rejection(text: "[a, b]: c", line: 1, column: 1, says: "complex keys"),
        Rejection(text: "x: 1\n{a: b}: c", line: 2, column: 1, says: "complex keys"),
        Rejection(text: "{[a]: b}", line: 1, column: 2, says: "complex keys"),
        Rejection(text: "a:\n    b: 1\n  c: 2", line: 3, column: 3, says: "inconsistent indentation"),
        Rejection(text: "- a\n - b", line: 2, column: 2, says: "inconsistent indentation"),
        Rejection(text: "a: b\n  c", line: 2, column: 3, says: "inconsistent indentation"),
        Rejection(text: "  a: 1\nb: 2", line: 2, column: 1, says: "inconsistent indentation"),
        Rejection(
            text: "[a,\n  b]\nc: 1", line: 3, column: 1, says: "after the end of the document's value"),
        Rejection(
            text: "- a\nb: 1", line: 2, column: 1, says: "to continue the sequence that starts on line 1"),
        Rejection(text: "a: 1\n- b", line: 2, column: 1, says: "a '- ' item where a key"),
        Rejection(text: "a: \"abc", line: 1, column: 4, says: "not closed on the same line"),
        Rejection(text: "a: 'abc\n  def'", line: 1, column: 4, says: "not closed on the same line"),
        Rejection(text: "a: \"ab\\\n  cd\"", line: 1, column: 4, says: "not closed on the same line"),
        Rejection(text: "a: [1, 2", line: 1, column: 4, says: "'[' is never closed"),
        Rejection(text: "a: {k: v,\n", line: 1, column: 4, says: "'{' is never closed"),
        Rejection(text: "a: [1,\n---\n]", line: 1, column: 4, says: "'[' is never closed"),
        Rejection(text: "a: [1, 2\nb: 3", line: 2, column: 1, says: "expected ',' or ']'"),
        Rejection(text: "a: 1\nb\nc: 2", line: 2, column: 1, says: "this line has no ': '"),
        Rejection(text: "account_name foo\ncontainer_name: c", line: 1, column: 1, says: "this line has no ': '"),
        Rejection(text: "a: \"x\" y", line: 1, column: 8, says: "after the closing quote"),
        Rejection(text: "a: 'x'#c", line: 1, column: 7, says: "after the closing quote"),
        Rejection(text: "a: [x] y", line: 1, column: 8, says: "after the closing ']'"),
        Rejection(text: "base: {a: 1}\nc:\n  <<: {a: 2}", line: 3, column: 3, says: "merge keys"),
        Rejection(text: "{<<: x}", line: 1, column: 2, says: "merge keys"),
        Rejection(text: "a: 1\nb: 2\na: 3", line: 3, column: 1, says: "duplicate key \"a\" (it is already on line 1)"),
        Rejection(text: "{a: 1, 'a': 2}", line: 1, column: 8, says: "duplicate key \"a\""),
        Rejection(text: "a: b: c", line: 1, column: 5, says: "nested mapping cannot start on the same line"),
        Rejection(text: "a: - b", line: 1, column: 4, says: "sequence cannot start on the same line"),
        Rejection(text: "a: 1\rb: 2", line: 1, column: 5, says: "carriage return"),
        Rejection(text: "a: \u{1}", line: 1, column: 4, says: "U+0001 is not allowed"),
        Rejection(text: "a: x\u{2028}y", line: 1, column: 5, says: "U+2028 is not allowed"),
        Rejection(
            text: "%YAML 1.1\n---\na: 1", line: 1, column: 1, says: "directives ('%...') and values starting with '%'"),
        Rejection(text: ": v", line: 1, column: 1, says: "key is missing"),
        Rejection(text: "[a: b]", line: 1, column: 3, says: "pair inside [ ] is not supported"),
        Rejection(text: "{a}", line: 1, column: 3, says: "expected ':' after the key"),
        Rejection(text: "[a, , b]", line: 1, column: 5, says: "empty item"),
        Rejection(text: "[a,#b]", line: 1, column: 4, says: "comment only after a space"),
        Rejection(text: "[http://x?a=1]", line: 1, column: 10, says: "'?' inside an unquoted value"),
        Rejection(text: "[- a]", line: 1, column: 2, says: "'- ' sequence item cannot appear here"),
        Rejection(text: "a: \"\\q\"", line: 1, column: 5, says: "unknown escape sequence '\\q'"),
        Rejection(text: "a: \"\\x4\"", line: 1, column: 5, says: "needs 2 hexadecimal digits"),
        Rejection(text: "a: \"\\uD800\"", line: 1, column: 5, says: "does not name a Unicode character"),
        Rejection(text: "a: ]", line: 1, column: 4, says: "a value cannot start with ']'"),
        Rejection(text: "a: ,b", line: 1, column: 4, says: "a value cannot start with ','"),
        Rejection(text: "a: `cmd`", line: 1, column: 4, says: "cannot start with '`'"),
        Rejection(text: String(repeating: "[", count: 65), line: 1, column: 65, says: "more than 64 levels"),
        Rejection(
            text: (0..<65).map { String(repeating: " ", count: $0 * 2) + "k\($0):" }.joined(separator: "\n") + " v",
            line: 65, column: 129, says: "more than 64 levels"),
    ]

    @Test(arguments: rejections)
    func rejectsWithFileLineAndColumn(rejection: Rejection) {
        do {
            let value = try parse(rejection.text)
            Issue.record("expected an error, got \(value)")
        } catch let error as YAMLError {
            #expect(error.file == "test.yaml")
            #expect(error.message.hasPrefix("test.yaml:\(rejection.line):\(rejection.column): "), "\(error.message)")
            #expect(error.message.contains(rejection.says), "\(error.message)")
            #expect(error.message.contains("; "), "\(error.message)")
        } catch {
            Issue.record("unexpected error type: \(error)")
        }
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        var value = try parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64))
        var depth = 0
        while case .sequence(let items) = value {
            depth += 1
            value = items.first ?? .null
        }
        #expect(depth == 64)
    }

    // MARK: - Files

    @Test func readsAFileWithAByteOrderMarkAndCRLF() throws {
        try withTemporaryFile(Data([0xEF, 0xBB, 0xBF]) + Data("account_name: a\r\nsas_token: ?sv=1&sig=x\r\n".utf8)) {
            path in
            let value = try YAMLReader.parse(contentsOf: path)
            #expect(value == stringMapping([("account_name", "a"), ("sas_token", "?sv=1&sig=x")]))
        }
    }

    @Test func reportsInvalidUTF8WithItsPosition() throws {
        try withTemporaryFile(Data("a: 1\nb: x".utf8) + Data([0xFF]) + Data("\n".utf8)) { path in
            let error = try #require(throws: YAMLError.self) { try YAMLReader.parse(contentsOf: path) }
            #expect(error.file == path)
            #expect(error.message == "\(path):2:5: the file is not valid UTF-8; save it as UTF-8")
        }
    }

    @Test func reportsMissingDirectoryAndOversizedFiles() throws {
        let missing = "/nonexistent-azfuse-test/config.yaml"
        let error = try #require(throws: YAMLError.self) { try YAMLReader.parse(contentsOf: missing) }
        #expect(error.file == missing)
        #expect(error.message.hasPrefix("\(missing): the configuration file does not exist"))

        let directory = FileManager.default.temporaryDirectory.path
        let directoryError = try #require(throws: YAMLError.self) { try YAMLReader.parse(contentsOf: directory) }
        #expect(directoryError.message.contains("is a directory"))

        try withTemporaryFile(Data(repeating: 0x61, count: YAMLReader.maximumFileSize + 1)) { path in
            let sizeError = try #require(throws: YAMLError.self) { try YAMLReader.parse(contentsOf: path) }
            #expect(sizeError.message.contains("larger than 1048576 bytes"))
        }
        try withTemporaryFile(Data("a: [1,\n".utf8)) { path in
            let syntaxError = try #require(throws: YAMLError.self) { try YAMLReader.parse(contentsOf: path) }
            #expect(syntaxError.message.hasPrefix("\(path):1:4: this '[' is never closed"))
        }
    }

    // MARK: - Helpers

    private func parse(_ text: String) throws -> YAMLValue {
        try YAMLReader.parse(text, file: "test.yaml")
    }

    private func entry(_ key: String, _ value: YAMLValue) -> YAMLMappingEntry {
        YAMLMappingEntry(key: key, value: value, line: 0, column: 0)
    }

    private func mapping(_ pairs: [(String, YAMLValue)]) -> YAMLValue {
        .mapping(pairs.map { entry($0.0, $0.1) })
    }

    private func stringMapping(_ pairs: [(String, String)]) -> YAMLValue {
        mapping(pairs.map { ($0.0, YAMLValue.string($0.1)) })
    }

    private func withTemporaryFile(_ contents: Data, _ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "azfuse-yaml-\(UUID().uuidString).yaml"
        )
        .path
        try contents.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }
}
