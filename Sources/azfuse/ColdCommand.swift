import AzFuse

/// `azfuse cold [--tier TIER] PATH...`: moves blobs to the cold (or another) access tier.
enum ColdCommand {
    static let help = """
        usage: azfuse cold [--tier TIER] PATH...

        Sets the access tier of each mapped PATH's blob to cold, or to TIER: hot, cool, cold or archive. Archived
        blobs cannot be read until rehydrated. Unmapped paths are left alone (local files have no tiers).
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(arguments, command: "cold", valueOptions: ["--tier"])
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let tier = try parsed.value("--tier").map { try AccessTier(parsing: $0) } ?? .cold
        let paths = try parsed.requireOperands(command: "cold")
        let fuse = try AzFuseClient.fromEnvironment(environment)
        return await CommandLineTool.forEach(paths) { try await fuse.setAccessTier(tier, for: $0) }
    }
}
