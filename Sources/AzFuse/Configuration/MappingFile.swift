import AzFuseYAML

/// Reads an azfuse mapping YAML file: a list of `{local, remote, cache, storage_account}` entries.
///
/// `cache_lock` is accepted and ignored (AzFuse always locks per file); other unknown keys are ignored, as azfuse
/// does. A missing or non-string required key is an error naming the file and line.
enum MappingFile {
    static let requiredKeys = ["local", "remote", "cache", "storage_account"]

    /// Loads the mounts from `path`.
    ///
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` naming the file (and line) when it is missing or wrong.
    static func load(_ path: String) throws -> [Mount] {
        let document: YAMLValue
        do {
            document = try YAMLReader.parse(contentsOf: path)
        } catch {
            throw AzFuseError(error)
        }
        return try mounts(from: document, file: path)
    }

    /// The mounts described by a parsed mapping document.
    static func mounts(from document: YAMLValue, file: String) throws -> [Mount] {
        guard case .sequence(let items) = document else {
            throw AzFuseError(
                .invalidConfiguration,
                "\(file): the mapping file must be a list of mounts (lines starting with '- local: ...'), not "
                    + document.kindDescription, path: file)
        }
        return try items.enumerated().map { index, item in
            let position = "\(file): mount \(index + 1)"
            guard case .mapping(let entries) = item else {
                throw AzFuseError(
                    .invalidConfiguration,
                    "\(position) is \(item.kindDescription); each mount is a mapping with the keys "
                        + requiredKeys.joined(separator: ", "), path: file)
            }
            func string(_ key: String) throws -> String {
                guard let entry = entries.first(where: { $0.key == key }) else {
                    let line = entries.first.map { " (line \($0.line))" } ?? ""
                    throw AzFuseError(
                        .invalidConfiguration,
                        "\(position)\(line) has no '\(key)'; each mount needs "
                            + requiredKeys.joined(separator: ", "), path: file)
                }
                if key == "remote", entry.value.isNull { return "" }
                guard let value = entry.value.stringValue else {
                    throw AzFuseError(
                        .invalidConfiguration,
                        "\(file):\(entry.line):\(entry.column): '\(key)' must be a string, not "
                            + entry.value.kindDescription, path: file)
                }
                return value
            }
            var mount = Mount(
                local: try string("local"), remote: try string("remote"), cache: try string("cache"),
                storageAccount: try string("storage_account"))
            let first = entries.first.map { MountOrigin.Position(line: $0.line, column: $0.column) }
            mount.origin = MountOrigin(
                file: file, start: first ?? MountOrigin.Position(line: 1, column: 1),
                keys: Dictionary(
                    entries.map { ($0.key, MountOrigin.Position(line: $0.line, column: $0.column)) },
                    uniquingKeysWith: { first, _ in first }))
            return mount
        }
    }
}
