import AzFuse
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `azfuse rmtree [--yes] PATH...`: deletes folders, after confirmation.
enum RemoveTreeCommand {
    static let help = """
        usage: azfuse rmtree [-y|--yes] PATH...

        Deletes every file below each folder PATH: for a mapped PATH every blob under its prefix (16 at a time) and
        the cached copies, else the local folder. Before deleting, it counts the files and asks for confirmation on
        the terminal; with --yes it does not ask. Without a terminal on standard input and without --yes it refuses
        and deletes nothing.
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(arguments, command: "rmtree", knownFlags: ["-y", "--yes"])
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let paths = try parsed.requireOperands(command: "rmtree")
        let fuse = try AzFuseClient.fromEnvironment(environment)
        let confirmed = parsed.has("-y", "--yes")
        if !confirmed && isatty(STDIN_FILENO) == 0 {
            throw CommandLineTool.usageError(
                "rmtree: refusing to delete without confirmation: standard input is not a terminal; pass --yes")
        }
        return await CommandLineTool.forEach(paths) { path in
            if !confirmed {
                let count = try await fuse.list(path, recursive: true).count
                let resolved = try fuse.resolve(path)
                let place = resolved.blob.map {
                    "blobs under '\($0.blobName)' in \($0.account.accountName)/\($0.container)"
                }
                CommandLineTool.printError(
                    "delete \(count) file\(count == 1 ? "" : "s") below \(path) (\(place ?? "local folder"))? [y/N] ",
                    terminator: "")
                guard let answer = await readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                    CommandLineTool.printError("skipped \(path)")
                    return
                }
            }
            let bar = ProgressBar("deleting")
            defer { bar.finish() }
            let deleted = try await fuse.removeTree(path) { bar.update($0) }
            bar.finish()
            CommandLineTool.printError("deleted \(deleted) file\(deleted == 1 ? "" : "s") below \(path)")
        }
    }

    /// Reads one line of standard input on a Dispatch thread (the read blocks).
    private static func readLine() async -> String? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Swift.readLine(strippingNewline: true))
            }
        }
    }
}
