import AzFuse

/// `azfuse cache du [PATH...]` and `azfuse cache clear PATH...`: inspects and empties the local cache.
enum CacheCommand {
    static let help = """
        usage: azfuse cache du [PATH...]
               azfuse cache clear PATH...

        du prints the size of the cached copies below each mapped PATH (default: each mount's folder), with the cache
        folder: SIZE, bytes, PATH, cache folder, tab-separated. clear removes the cached copies of each PATH (a file
        or a folder), so the next read downloads again; the blobs are not touched.
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(Array(arguments.dropFirst()), command: "cache")
        if parsed.wantsHelp || arguments.first == "--help" || arguments.first == "-h" {
            print(help)
            return CommandLineTool.success
        }
        let fuse = try AzFuseClient.fromEnvironment(environment)
        switch arguments.first {
        case "du":
            let paths = parsed.operands.isEmpty ? fuse.configuration.mounts.map(\.local) : parsed.operands
            return await CommandLineTool.forEach(paths) { path in
                guard try fuse.resolve(path).isMapped else {
                    throw AzFuseError(.invalidArgument, "this path is not mapped, so it has no cache", path: path)
                }
                let cache = try fuse.cachePath(for: path)
                let bytes = try await cachedBytes(fuse, cache)
                print("\(ByteCountText.format(bytes))\t\(bytes)\t\(path)\t\(cache)")
            }
        case "clear":
            let paths = try parsed.requireOperands(command: "cache clear")
            try await fuse.clearCache(paths)
            return CommandLineTool.success
        default:
            throw CommandLineTool.usageError("cache: give 'du' or 'clear'; see 'azfuse cache --help'")
        }
    }

    /// The bytes of the cached files below `cache` (a file or folder), AzFuse's internal folder excluded.
    private static func cachedBytes(_ fuse: AzFuseClient, _ cache: String) async throws -> Int64 {
        do {
            return try await fuse.list(cache, recursive: true).filter { !$0.name.hasPrefix(".azfuse/") }
                .reduce(0) { $0 + ($1.size ?? 0) }
        } catch let error as AzFuseError where error.code == .notFound {
            return 0
        } catch let error as AzFuseError where error.code == .invalidArgument {
            return try await fuse.size(of: cache)
        }
    }
}
