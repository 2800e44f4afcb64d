import AzFuse

/// `azfuse clear-meta PATH...` (alias `clear_meta`): removes blobs' metadata.
enum ClearMetaCommand {
    static let help = """
        usage: azfuse clear-meta PATH...            (alias: azfuse clear_meta)

        Removes all user metadata from each mapped PATH's blob. The content is unchanged.
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(arguments, command: "clear-meta")
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let paths = try parsed.requireOperands(command: "clear-meta")
        let fuse = try AzFuseClient.fromEnvironment(environment)
        return await CommandLineTool.forEach(paths) { try await fuse.setMetadata([:], for: $0) }
    }
}
