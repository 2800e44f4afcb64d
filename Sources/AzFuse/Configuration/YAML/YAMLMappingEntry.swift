/// One `key: value` pair of a YAML mapping, with the position of its key.
///
/// Two entries are equal when their keys and values are equal: ``line`` and ``column`` only record where the key was
/// written, so the same data written with a different layout compares equal.
struct YAMLMappingEntry: Equatable, Sendable {
    /// The key, unquoted and unescaped.
    var key: String
    /// The value; ``YAMLValue/null`` when it was left empty.
    var value: YAMLValue
    /// The 1-based line of the key's first character.
    var line: Int
    /// The 1-based column of the key's first character, counted in Unicode scalars.
    var column: Int

    static func == (lhs: YAMLMappingEntry, rhs: YAMLMappingEntry) -> Bool {
        lhs.key == rhs.key && lhs.value == rhs.value
    }
}
