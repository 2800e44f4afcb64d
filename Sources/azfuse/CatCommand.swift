import AzFuse
import Foundation

/// `azfuse cat PATH...`: writes files to standard output, downloading mapped ones on a miss.
enum CatCommand {
    static let help = """
        usage: azfuse cat [--fresh] PATH...

        Writes each PATH's content to standard output. Mapped paths are read through the cache (downloaded on a
        miss). With --fresh, the cached copies are removed first so the current blob is shown (azfuse's cat always
        did this).
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(arguments, command: "cat", knownFlags: ["--fresh"])
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let paths = try parsed.requireOperands(command: "cat")
        let fuse = try AzFuseClient.fromEnvironment(environment)
        if parsed.flags.contains("--fresh") { try await fuse.clearCache(paths) }
        try await fuse.prepare(paths)
        for path in paths {
            try await fuse.open(path, .read) { handle in
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    FileHandle.standardOutput.write(chunk)
                }
            }
        }
        return CommandLineTool.success
    }
}
