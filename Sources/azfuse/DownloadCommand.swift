import AzFuse
import Foundation

/// `azfuse download PATH...` (alias `d`): fetches the paths into the cache, like azfuse's `prepare`.
enum DownloadCommand {
    static let help = """
        usage: azfuse download PATH...     (alias: azfuse d)

        Downloads every mapped PATH that is not cached yet into the cache, in as few transfers as possible.
        Cached and unmapped paths are skipped. Exits 1 and lists each path that could not be fetched. On a terminal,
        a progress bar on standard error shows the files fetched so far.
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(arguments, command: "download")
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let paths = try parsed.requireOperands(command: "download")
        let fuse = try AzFuseClient.fromEnvironment(environment)
        let bar = ProgressBar("downloading")
        defer { bar.finish() }
        try await fuse.prepare(paths) { bar.update($0) }
        return CommandLineTool.success
    }
}
