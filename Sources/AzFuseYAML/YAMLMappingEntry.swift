/// One `key: value` pair of a YAML mapping, with the position of its key.
///
/// Two entries are equal when their keys and values are equal: ``line`` and ``column`` only record where the key was
/// written, so the same data written with a different layout compares equal.
package struct YAMLMappingEntry: Equatable, Sendable {
    /// The key, unquoted and unescaped.
    package var key: String
    /// The value; ``YAMLValue/null`` when it was left empty.
    package var value: YAMLValue
    /// The 1-based line of the key's first character.
    package var line: Int
    /// The 1-based column of the key's first character, counted in Unicode scalars.
    package var column: Int

    package static func == (lhs: YAMLMappingEntry, rhs: YAMLMappingEntry) -> Bool {
        lhs.key == rhs.key && lhs.value == rhs.value
    }
}
