import AzFuse

/// `azfuse upload [--from FILE] PATH...` (alias `u`): uploads files to the blobs paths map to.
enum UploadCommand {
    static let help = """
        usage: azfuse upload PATH...                (alias: azfuse u)
               azfuse upload --from FILE PATH

        Without --from, uploads the cached copy of each mapped PATH to its blob (azfuse's 'u'), for example after
        changing the cache file in place. With --from, uploads the local FILE to the blob PATH maps to and puts the
        same content in PATH's cache. Existing blobs are replaced.
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(arguments, command: "upload", valueOptions: ["--from", "-f"])
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let fuse = try AzFuseClient.fromEnvironment(environment)
        if let source = parsed.value("--from", "-f") {
            let path = try parsed.requireSingleOperand(command: "upload")
            try await fuse.upload(localFile: source, to: path)
            return CommandLineTool.success
        }
        let paths = try parsed.requireOperands(command: "upload")
        let bar = ProgressBar("uploading")
        let total = paths.count
        var done = 0
        let status = await CommandLineTool.forEach(paths) { path in
            defer {
                done += 1
                bar.update(TransferProgress(completedFiles: done, totalFiles: total))
            }
            guard try fuse.resolve(path).isMapped else {
                throw AzFuseError(
                    .unsupported, "this path is not mapped, so it has no cached copy to upload; use --from FILE",
                    path: path)
            }
            try await fuse.upload(localFile: try fuse.cachePath(for: path), to: path)
        }
        bar.finish()
        return status
    }
}
