import AzFuse
import Foundation

/// `azfuse ls [--json] [--recursive] PATH`: lists a folder.
enum ListCommand {
    static let help = """
        usage: azfuse ls [--json] [-r|--recursive] PATH

        Lists the files and subfolders of PATH as a table: kind, size, last-modified time (UTC) and name relative to
        PATH. A mapped PATH is listed from the service (every page); an unmapped one from the local disk. With
        --recursive, lists every file below PATH. With --json, prints one JSON object per line with the keys path,
        name, kind, size and lastModified. Blobs whose names no logical path maps back to (a//b, x/, ./x, ../x)
        are not listed; a warning naming each is printed to standard error.
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(arguments, command: "ls", knownFlags: ["--json", "-r", "--recursive"])
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let folder = try parsed.requireSingleOperand(command: "ls")
        let fuse = try AzFuseClient.fromEnvironment(environment)
        let listing = try await fuse.listing(folder, recursive: parsed.has("-r", "--recursive"))
        let entries = listing.entries
        for name in listing.skippedBlobNames {
            CommandLineTool.printError(
                "azfuse: warning: skipped blob '\(name)': no logical path maps back to it (an empty, '.' or '..' segment, a "
                    + "trailing '/', or a name under another mount); rename the blob to reach it through AzFuse")
        }
        if parsed.has("--json") {
            for entry in entries { print(jsonLine(entry)) }
        } else {
            print(table(entries), terminator: "")
        }
        return CommandLineTool.success
    }

    static func table(_ entries: [FolderEntry]) -> String {
        let rows =
            [["KIND", "SIZE", "MODIFIED (UTC)", "NAME"]]
            + entries.map { entry in
                [
                    entry.isFolder ? "dir" : "file", entry.size.map(ByteCountText.format) ?? "-",
                    entry.lastModified.map(timestamp) ?? "-", entry.name + (entry.isFolder ? "/" : ""),
                ]
            }
        let widths = (0..<3).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            let kind = row[0].padding(toLength: widths[0], withPad: " ", startingAt: 0)
            let size = String(repeating: " ", count: widths[1] - row[1].count) + row[1]
            let modified = row[2].padding(toLength: widths[2], withPad: " ", startingAt: 0)
            return "\(kind)  \(size)  \(modified)  \(row[3])\n"
        }.joined()
    }

    static func jsonLine(_ entry: FolderEntry) -> String {
        let fields: [(String, String)] = [
            ("path", ResolveCommand.jsonString(entry.path)),
            ("name", ResolveCommand.jsonString(entry.name)),
            ("kind", ResolveCommand.jsonString(entry.kind.rawValue)),
            ("size", entry.size.map(String.init) ?? "null"),
            ("lastModified", ResolveCommand.jsonString(entry.lastModified.map { $0.ISO8601Format() })),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    private static func timestamp(_ date: Date) -> String {
        let text = date.ISO8601Format()
        return text.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
    }
}
