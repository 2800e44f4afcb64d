import AzFuse
import AzFuseBlobClient
import Foundation

/// `azfuse resolve [--json] PATH...`: shows where each logical path lives.
enum ResolveCommand {
    static let help = """
        usage: azfuse resolve [--json] PATH...

        For each PATH, prints whether it is mapped, its storage account, container, blob name, cache file and blob
        URL (any SAS signature redacted). With --json, prints one JSON object per line with the keys path, mapped,
        storageAccount, container, remote, cache and url.
        """

    static func run(_ arguments: [String], environment: [String: String]) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, command: "resolve", knownFlags: ["--json"])
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let paths = try parsed.requireOperands(command: "resolve")
        let json = parsed.flags.contains("--json")
        let fuse = try AzFuseClient.fromEnvironment(environment)
        for path in paths {
            let resolved = try fuse.resolve(path)
            print(json ? jsonLine(resolved) : textBlock(resolved))
        }
        return CommandLineTool.success
    }

    /// The blob URL with the account's SAS attached and every secret in it redacted, as users would paste it.
    static func displayURL(_ blob: BlobTarget) -> String {
        let url = blob.url.absoluteString
        guard let sas = blob.account.sasToken, !sas.isEmpty else { return url }
        return url + "?" + Redaction.redactSecrets(in: sas)
    }

    static func textBlock(_ resolved: ResolvedPath) -> String {
        guard let blob = resolved.blob else {
            return "\(resolved.path)\n  mapped: no (plain local file \(resolved.absolutePath))"
        }
        return """
            \(resolved.path)
              mapped: yes
              storage account: \(blob.storageAccountName) (\(blob.account.accountName))
              container: \(blob.container)
              blob: \(blob.blobName)
              cache: \(blob.cachePath)
              url: \(displayURL(blob))
            """
    }

    static func jsonLine(_ resolved: ResolvedPath) -> String {
        let blob = resolved.blob
        let fields: [(String, String)] = [
            ("path", jsonString(resolved.path)),
            ("mapped", blob == nil ? "false" : "true"),
            ("storageAccount", jsonString(blob?.storageAccountName)),
            ("container", jsonString(blob?.container)),
            ("remote", jsonString(blob?.blobName)),
            ("cache", jsonString(blob?.cachePath)),
            ("url", jsonString(blob.map(displayURL))),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    static func jsonString(_ value: String?) -> String {
        guard let value else { return "null" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
