/// Byte-level path arithmetic for POSIX paths.
///
/// Linux paths are byte strings, so AzFuse compares and splits them by their UTF-8 bytes, never with `String`
/// equality or `hasPrefix` (which treat different Unicode normal forms as equal and would map `café` spelled two
/// ways onto one blob).
enum LogicalPath {
    static let slash = UInt8(ascii: "/")
    static let dot = UInt8(ascii: ".")

    /// The path's components after making it absolute against `base` and collapsing `.`, `..` and repeated
    /// slashes, like Python's `os.path.abspath` (symlinks are not resolved). `..` at the root stays at the root.
    static func absoluteComponents(of path: String, base: String) -> [[UInt8]] {
        var bytes = Array(path.utf8)
        if bytes.first != slash {
            bytes = Array(base.utf8) + [slash] + bytes
        }
        var components: [[UInt8]] = []
        for part in bytes.split(separator: slash, omittingEmptySubsequences: true) {
            if part.count == 1 && part[part.startIndex] == dot { continue }
            if part.count == 2 && part.allSatisfy({ $0 == dot }) {
                if !components.isEmpty { components.removeLast() }
                continue
            }
            components.append(Array(part))
        }
        return components
    }

    /// Joins components into an absolute path (`/` for none).
    static func absolutePath(_ components: some Collection<[UInt8]>) -> String {
        "/" + relativePath(components)
    }

    /// Joins components with `/` and no leading slash.
    static func relativePath(_ components: some Collection<[UInt8]>) -> String {
        String(decoding: Array(components.joined(separator: [slash])), as: UTF8.self)
    }

    /// Whether `components` starts with all of `prefix`, compared byte for byte.
    static func hasComponentPrefix(_ components: [[UInt8]], _ prefix: [[UInt8]]) -> Bool {
        guard components.count >= prefix.count else { return false }
        for index in prefix.indices where components[index] != prefix[index] {
            return false
        }
        return true
    }
}
