import AzFuse

/// `azfuse break PATH...`: breaks leases.
enum BreakCommand {
    static let help = """
        usage: azfuse break PATH...

        Breaks the lease on each mapped PATH's blob at once, whoever holds it: for a lock whose holder died or hangs.
        The holder's next renewal fails, and its withLease call reports that the lease was lost. Blobs without a
        lease are left alone.
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(arguments, command: "break")
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let paths = try parsed.requireOperands(command: "break")
        let fuse = try AzFuseClient.fromEnvironment(environment)
        return await CommandLineTool.forEach(paths) { try await fuse.breakLease(on: $0) }
    }
}
