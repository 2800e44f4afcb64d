import Foundation

/// Reads azfuse's environment variables: `QD_<NAME>` wins over `AZFUSE_<NAME>`, as in azfuse.
struct EnvironmentVariables: Sendable {
    /// The raw environment.
    let values: [String: String]

    /// A variable that was set, with the spelling that supplied it (for error messages).
    struct Setting {
        let variable: String
        let value: String
    }

    /// The value of `QD_<name>` if set, else `AZFUSE_<name>` if set, else `nil`.
    ///
    /// - Parameter name: The name without prefix, for example `USE_FUSE`.
    func setting(_ name: String) -> Setting? {
        for prefix in ["QD_", "AZFUSE_"] {
            if let value = values[prefix + name] { return Setting(variable: prefix + name, value: value) }
        }
        return nil
    }

    /// The value of `name` (see ``setting(_:)``), or `defaultValue`.
    func string(_ name: String, default defaultValue: String) -> String {
        setting(name)?.value ?? defaultValue
    }

    /// An integer switch as azfuse reads it (`int(value)`), with `true`/`false`, `yes`/`no` and `on`/`off` also
    /// accepted. Unset or empty means 0.
    ///
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` naming the variable when the value is not understood.
    func integerSwitch(_ name: String) throws -> Int {
        guard let setting = setting(name) else { return 0 }
        let value = setting.value.trimmingCharacters(in: .whitespaces)
        if value.isEmpty { return 0 }
        if let number = Int(value) { return number }
        switch value.lowercased() {
        case "true", "yes", "on": return 1
        case "false", "no", "off": return 0
        default:
            throw AzFuseError(
                .invalidConfiguration,
                "\(setting.variable)='\(value)' is not a number; set it to 1 to enable AzFuse or 0 to disable it")
        }
    }
}
