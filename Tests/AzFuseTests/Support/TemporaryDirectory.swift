import Foundation

/// A fresh folder under the system temporary directory, removed by `remove()` or at the end of `with`.
struct TemporaryDirectory: Sendable {
    let path: String

    init(prefix: String = "azfuse-test") throws {
        let template = NSTemporaryDirectory() + "/\(prefix)-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let created = mkdtemp(&bytes) else { throw CocoaError(.fileWriteUnknown) }
        path = URL(fileURLWithPath: String(cString: created)).standardizedFileURL.path
    }

    /// Runs `body` with a new temporary folder and removes it afterwards.
    static func with<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (TemporaryDirectory) async throws -> Result
    ) async throws -> Result {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        return try await body(directory)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The absolute path of `relative` inside this folder.
    func file(_ relative: String) -> String {
        path + "/" + relative
    }

    /// Writes `text` to `relative`, creating parent folders.
    @discardableResult
    func write(_ text: String, to relative: String) throws -> String {
        let target = file(relative)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }

    /// The names in `relative` (or the folder itself), sorted.
    func contents(of relative: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: relative.isEmpty ? path : file(relative)).sorted()
    }
}
