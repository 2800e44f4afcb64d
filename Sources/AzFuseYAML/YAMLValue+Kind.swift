extension YAMLValue {
    /// What kind of value this is, for error messages: "a list", "a mapping", "null" or "the string 'x'".
    package var kindDescription: String {
        switch self {
        case .null: "null"
        case .string(let text): "the string '\(text.prefix(40))'"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}
