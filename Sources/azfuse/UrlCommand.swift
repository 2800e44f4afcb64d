import AzFuse
import Foundation

/// `azfuse url [--expires DURATION] [--write] PATH...`: prints signed URLs.
enum UrlCommand {
    static let help = """
        usage: azfuse url [--expires DURATION] [--write] PATH...

        Prints, for each mapped PATH, a URL that grants read access to its blob without credentials (a service
        SAS minted from the storage account's key) until it expires. DURATION is a number with an optional unit:
        s, m, h or d (default 30d, as azfuse). --write also allows creating and overwriting the blob.

        The URL carries a SAS signature: it is the one output of this tool that contains a secret, and it goes to
        standard output only. Anyone holding the URL has the access it grants.
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(
            arguments, command: "url", knownFlags: ["--write"], valueOptions: ["--expires"])
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let lifetime = try duration(parsed.value("--expires") ?? "30d")
        let permissions: BlobSASPermissions = parsed.has("--write") ? [.read, .create, .write] : .read
        let paths = try parsed.requireOperands(command: "url")
        let fuse = try AzFuseClient.fromEnvironment(environment)
        return await CommandLineTool.forEach(paths) { path in
            print(try fuse.signedURL(for: path, permissions: permissions, expiresIn: lifetime).absoluteString)
        }
    }

    /// Parses `90`, `90s`, `15m`, `12h` or `30d`.
    static func duration(_ text: String) throws -> Duration {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var number = Substring(text)
        var multiplier: Int64 = 1
        if let last = text.last, let unit = units[last] {
            number = number.dropLast()
            multiplier = unit
        }
        guard let value = Int64(number), value > 0, value <= Int64.max / multiplier else {
            throw CommandLineTool.usageError(
                "url: --expires needs a positive duration such as 3600, 90m, 12h or 30d, not '\(text)'")
        }
        return .seconds(value * multiplier)
    }
}
