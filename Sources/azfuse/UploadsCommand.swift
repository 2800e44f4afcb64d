import AzFuse
import Foundation

/// `azfuse uploads list|retry|discard`: inspects and settles files written but not uploaded yet.
enum UploadsCommand {
    static let help = """
        usage: azfuse uploads list [--json]
               azfuse uploads retry [PATH...]
               azfuse uploads discard PATH...

        list prints every file written through AzFuse whose upload is pending, from the upload journals of every
        mount's cache folder: STATE, SIZE, written (UTC), PATH, last error, tab-separated. STATE is queued (a live
        process is uploading it), abandoned (its process died; the next instance resumes it), failed (transient
        failure; resumed automatically), parked (permanent failure such as a refused credential; retried only by
        'uploads retry') or rejected (invalid record; never uploaded). With --json, one JSON object per line.
        retry uploads the pending files (all, or those of each PATH), including parked ones, and prints each path
        uploaded; it exits 1 if any still failed. discard removes the pending uploads of each PATH (not those of
        live processes); the cache files and blobs are left as they are.
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(Array(arguments.dropFirst()), command: "uploads", knownFlags: ["--json"])
        if parsed.wantsHelp || arguments.first == "--help" || arguments.first == "-h" {
            print(help)
            return CommandLineTool.success
        }
        switch arguments.first {
        case "list":
            guard parsed.operands.isEmpty else {
                throw CommandLineTool.usageError("uploads list takes no paths; see 'azfuse uploads --help'")
            }
            let fuse = try AzFuseClient.fromEnvironment(environment)
            let json = parsed.flags.contains("--json")
            for entry in try await fuse.pendingUploads() {
                print(json ? jsonLine(entry) : textLine(entry))
            }
            return CommandLineTool.success
        case "retry":
            guard !parsed.flags.contains("--json") else {
                throw CommandLineTool.usageError("uploads retry has no --json option; see 'azfuse uploads --help'")
            }
            let fuse = try AzFuseClient.fromEnvironment(environment)
            let report = try await fuse.resumePendingUploads(paths: parsed.operands.isEmpty ? nil : parsed.operands)
            for path in report.uploaded { print("uploaded\t\(path)") }
            var status = CommandLineTool.success
            for failure in report.failed { status = CommandLineTool.fail(failure) }
            return status
        case "discard":
            guard !parsed.flags.contains("--json") else {
                throw CommandLineTool.usageError("uploads discard has no --json option; see 'azfuse uploads --help'")
            }
            let paths = try parsed.requireOperands(command: "uploads discard")
            let fuse = try AzFuseClient.fromEnvironment(environment)
            let discarded = try await fuse.discardPendingUploads(paths: paths)
            for entry in discarded { print("discarded\t\(entry.state.rawValue)\t\(entry.path)") }
            return CommandLineTool.success
        case nil:
            throw CommandLineTool.usageError("uploads: give 'list', 'retry' or 'discard'; see 'azfuse uploads --help'")
        default:
            throw CommandLineTool.usageError(
                "uploads: unknown action '\(arguments[0])'; give 'list', 'retry' or 'discard'")
        }
    }

    private static func textLine(_ entry: PendingUploadEntry) -> String {
        let when = ISO8601DateFormatter().string(from: entry.modified)
        let error = (entry.lastError ?? "").replacingOccurrences(of: "\n", with: " ")
        return "\(entry.state.rawValue)\t\(entry.size)\t\(when)\t\(entry.path)\t\(error)"
    }

    private static func jsonLine(_ entry: PendingUploadEntry) -> String {
        var object: [String: Any] = [
            "state": entry.state.rawValue, "path": entry.path, "blob": entry.blobName, "cachePath": entry.cachePath,
            "size": entry.size, "modified": ISO8601DateFormatter().string(from: entry.modified),
            "record": entry.recordFile,
        ]
        if let lastError = entry.lastError { object["lastError"] = lastError }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
