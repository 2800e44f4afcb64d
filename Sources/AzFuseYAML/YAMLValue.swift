/// A value read from a YAML document by ``YAMLReader``.
///
/// Only the shapes azfuse configuration files use exist here: every scalar stays text (`true`, `10` and `1.5` are
/// strings; the caller decides how to interpret them), `null`, `~` and empty values are ``null``, and mappings keep
/// their keys in document order together with where each key was written, so a configuration loader can point at
/// the offending line.
package enum YAMLValue: Equatable, Sendable {
    /// A plain `null`, `Null`, `NULL` or `~`, or a value left empty.
    case null
    /// Any other scalar, plain or quoted.
    case string(String)
    /// A block (`- item`) or flow (`[a, b]`) sequence.
    case sequence([YAMLValue])
    /// A block (`key: value`) or flow (`{key: value}`) mapping, keys in document order and unique.
    case mapping([YAMLMappingEntry])

    /// The value stored under `key` when this is a mapping; `nil` when this is not a mapping or has no such key.
    package subscript(key: String) -> YAMLValue? {
        guard case .mapping(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// The text of a ``string(_:)`` value; `nil` for every other case, including ``null``.
    package var stringValue: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// Whether this is ``null``.
    package var isNull: Bool {
        self == .null
    }
}
