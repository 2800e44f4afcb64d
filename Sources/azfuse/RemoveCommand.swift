import AzFuse

/// `azfuse rm PATH...`: deletes files.
enum RemoveCommand {
    static let help = """
        usage: azfuse rm PATH...

        Deletes each file: for a mapped PATH its blob and its cached copy, else the local file. A missing blob is an
        error (reported, and the other paths are still deleted). Folders need 'azfuse rmtree'.
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(arguments, command: "rm")
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let paths = try parsed.requireOperands(command: "rm")
        let fuse = try AzFuseClient.fromEnvironment(environment)
        return await CommandLineTool.forEach(paths) { try await fuse.remove($0) }
    }
}
