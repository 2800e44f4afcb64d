import AzFuse

/// A subcommand's arguments split into flags, options with values and operands, with `--help` and `--` handled.
struct ParsedArguments {
    /// The flags given, from the command's known flags.
    var flags: Set<String> = []
    /// The options given with their values (`--name value` or `--name=value`), from the command's value options.
    var values: [String: String] = [:]
    /// The operands (paths), in order.
    var operands: [String] = []
    /// Whether `-h` or `--help` was given.
    var wantsHelp = false

    /// Parses `arguments` for the command `name`, which accepts `knownFlags` and the options `valueOptions`.
    ///
    /// - Throws: ``AzFuseError/Code/invalidArgument`` for an unknown option or an option without its value.
    init(_ arguments: [String], command name: String, knownFlags: Set<String> = [], valueOptions: Set<String> = [])
        throws
    {
        var optionsEnded = false
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || argument == "-" || !argument.hasPrefix("-") {
                operands.append(argument)
            } else if argument == "--" {
                optionsEnded = true
            } else if argument == "-h" || argument == "--help" {
                wantsHelp = true
            } else if knownFlags.contains(argument) {
                flags.insert(argument)
            } else if let equals = argument.firstIndex(of: "="), valueOptions.contains(String(argument[..<equals])) {
                values[String(argument[..<equals])] = String(argument[argument.index(after: equals)...])
            } else if valueOptions.contains(argument) {
                guard index < arguments.count else {
                    throw CommandLineTool.usageError("\(name): \(argument) needs a value; see 'azfuse \(name) --help'")
                }
                values[argument] = arguments[index]
                index += 1
            } else {
                throw CommandLineTool.usageError("\(name): unknown option '\(argument)'; see 'azfuse \(name) --help'")
            }
        }
    }

    /// Whether any of the spellings of a flag was given.
    func has(_ spellings: String...) -> Bool {
        spellings.contains { flags.contains($0) }
    }

    /// The value of an option given under any of its spellings.
    func value(_ spellings: String...) -> String? {
        spellings.lazy.compactMap { values[$0] }.first
    }

    /// The operands, or a usage error when there are none.
    func requireOperands(command name: String) throws -> [String] {
        guard !operands.isEmpty else {
            throw CommandLineTool.usageError("\(name): give at least one PATH; see 'azfuse \(name) --help'")
        }
        return operands
    }

    /// The one operand, or a usage error when there are none or several.
    func requireSingleOperand(command name: String) throws -> String {
        guard operands.count == 1 else {
            throw CommandLineTool.usageError("\(name): give exactly one PATH; see 'azfuse \(name) --help'")
        }
        return operands[0]
    }
}
