extension YAMLParser {
    /// Collects the entries of one mapping, rejecting what YAML or this subset does not allow as a key: a key that
    /// is already present, and the merge key `<<`.
    struct MappingBuilder {
        private(set) var entries: [YAMLMappingEntry] = []
        /// The line of each key seen so far.
        private var lines: [String: Int] = [:]

        /// Throws if `key` cannot be added: it is a plain `<<` merge key, or it is already in the mapping.
        func checkNewKey(_ key: ScannedScalar, in source: YAMLSource) throws(YAMLError) {
            if key.text == "<<" && !key.isQuoted {
                throw source.error(
                    "merge keys ('<<') are not supported", "copy the keys to merge into this mapping", at: key.start)
            }
            if let line = lines[key.text] {
                throw source.error(
                    "duplicate key \(Self.describe(key.text)) (it is already on line \(line))",
                    "remove one of them", at: key.start)
            }
        }

        /// Adds an entry whose key has passed ``checkNewKey(_:in:)``.
        mutating func append(_ key: ScannedScalar, _ value: YAMLValue, in source: YAMLSource) {
            let (line, column) = source.location(of: key.start)
            entries.append(YAMLMappingEntry(key: key.text, value: value, line: line, column: column))
            lines[key.text] = line
        }

        /// The key quoted and escaped, shortened to 60 characters, for an error message.
        private static func describe(_ key: String) -> String {
            (key.count > 60 ? String(key.prefix(60)) + "..." : key).debugDescription
        }
    }
}
