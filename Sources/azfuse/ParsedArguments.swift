import AzFuse

/// A subcommand's arguments split into flags and operands, with `--help` and `--` handled.
struct ParsedArguments {
    /// The flags given, from the command's known flags.
    var flags: Set<String> = []
    /// The operands (paths), in order.
    var operands: [String] = []
    /// Whether `-h` or `--help` was given.
    var wantsHelp = false

    /// Parses `arguments` for the command `name`, which accepts `knownFlags`.
    ///
    /// - Throws: ``AzFuseError/Code/invalidArgument`` for an unknown option.
    init(_ arguments: [String], command name: String, knownFlags: Set<String> = []) throws {
        var optionsEnded = false
        for argument in arguments {
            if optionsEnded || argument == "-" || !argument.hasPrefix("-") {
                operands.append(argument)
            } else if argument == "--" {
                optionsEnded = true
            } else if argument == "-h" || argument == "--help" {
                wantsHelp = true
            } else if knownFlags.contains(argument) {
                flags.insert(argument)
            } else {
                throw CommandLineTool.usageError("\(name): unknown option '\(argument)'; see 'azfuse \(name) --help'")
            }
        }
    }

    /// The operands, or a usage error when there are none.
    func requireOperands(command name: String) throws -> [String] {
        guard !operands.isEmpty else {
            throw CommandLineTool.usageError("\(name): give at least one PATH; see 'azfuse \(name) --help'")
        }
        return operands
    }
}
