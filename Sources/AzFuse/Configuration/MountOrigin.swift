/// Where a ``Mount`` was read from: the mapping file, and the line and column of each of its keys.
///
/// Errors about a mount loaded from a file start with `<file>:<line>:<column>:` pointing at the key concerned.
struct MountOrigin: Sendable {
    /// A 1-based line and column.
    struct Position: Sendable {
        var line: Int
        var column: Int
    }

    /// The mapping file, as it was given.
    var file: String
    /// The position of the mount's first key.
    var start: Position
    /// The position of each key of the mount.
    var keys: [String: Position]

    /// `<file>:<line>:<column>` of `key`, or of the mount's first key when `key` is absent.
    func location(of key: String) -> String {
        let position = keys[key] ?? start
        return "\(file):\(position.line):\(position.column)"
    }
}
