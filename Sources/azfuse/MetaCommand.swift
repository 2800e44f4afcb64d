import AzFuse

/// `azfuse meta [--json] PATH`: shows a blob's metadata.
enum MetaCommand {
    static let help = """
        usage: azfuse meta [--json] PATH

        Prints the user metadata of the mapped PATH's blob, one 'name: value' line per entry sorted by name (names
        in lower case: Azure compares them case-insensitively). With --json, prints one JSON object.
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(arguments, command: "meta", knownFlags: ["--json"])
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let path = try parsed.requireSingleOperand(command: "meta")
        let fuse = try AzFuseClient.fromEnvironment(environment)
        let metadata = try await fuse.metadata(of: path).sorted { $0.key < $1.key }
        if parsed.has("--json") {
            let fields = metadata.map { ResolveCommand.jsonString($0.key) + ":" + ResolveCommand.jsonString($0.value) }
            print("{" + fields.joined(separator: ",") + "}")
        } else {
            for (name, value) in metadata { print("\(name): \(value)") }
        }
        return CommandLineTool.success
    }
}
