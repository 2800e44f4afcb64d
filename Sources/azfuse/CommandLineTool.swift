import AzFuse
import Foundation

/// The `azfuse` command: dispatches subcommands and turns errors into messages and exit codes.
enum CommandLineTool {
    /// Exit status for success.
    static let success: Int32 = 0
    /// Exit status for an operation that failed.
    static let failure: Int32 = 1
    /// Exit status for bad usage or bad configuration.
    static let usageOrConfiguration: Int32 = 2

    static let usage = """
        usage: azfuse [-c NAME] <command> [options] [arguments]

        Commands:
          resolve [--json] PATH...        show where each logical path lives (blob, cache file, URL)
          download PATH...                fetch paths into the cache (alias: d)
          cat [--fresh] PATH...           print files, reading mapped ones through the cache
          head [-n LINES] PATH...         print the first lines, reading only the bytes needed
          tail [-n LINES] PATH...         print the last lines, reading only the bytes needed
          ls [--json] [-r] PATH           list a folder
          url [--expires D] PATH...       print a signed (SAS) URL for each blob; the URL is a secret
          rm PATH...                      delete files (blob and cached copy)
          rmtree [--yes] PATH...          delete folders, after confirmation
          upload [--from FILE] PATH...    upload cached copies, or FILE, to the blobs (alias: u)
          cold [--tier TIER] PATH...      set the access tier (default cold)
          meta [--json] PATH              show a blob's metadata
          clear-meta PATH...              remove blobs' metadata (alias: clear_meta)
          break PATH...                   break blob leases
          cache du [PATH...]              show the size of cached copies
          cache clear PATH...             remove cached copies
          uploads list|retry|discard      show, retry or drop files written but not uploaded

        Options:
          -c NAME      use aux_data/azfuse/NAME.yaml as the mapping file (as azfuse does)
          -h, --help   show this help; 'azfuse <command> --help' shows a command's help

        Configuration comes from AZFUSE_USE_FUSE, AZFUSE_CLOUD_FUSE_CONFIG_FILE,
        AZFUSE_STORAGE_ACCOUNT_CONFIG_FOLDER and AZFUSE_AZCOPY_PATH (QD_ prefixes win).
        """

    /// Runs the command line and returns the exit status.
    static func run(_ arguments: [String]) async -> Int32 {
        var arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        if arguments.first == "-c" {
            guard arguments.count >= 2 else { return fail(usageError("-c needs a configuration name")) }
            let file = "aux_data/azfuse/\(arguments[1]).yaml"
            environment["AZFUSE_CLOUD_FUSE_CONFIG_FILE"] = file
            environment["QD_CLOUD_FUSE_CONFIG_FILE"] = file
            arguments.removeFirst(2)
        }
        guard let command = arguments.first else {
            printError(usage)
            return usageOrConfiguration
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch command {
            case "-h", "--help", "help":
                print(usage)
                return success
            case "resolve":
                return try ResolveCommand.run(rest, environment: environment)
            case "download", "d":
                return try await DownloadCommand.run(rest, environment: environment)
            case "cat":
                return try await CatCommand.run(rest, environment: environment)
            case "head":
                return try await HeadCommand.run(rest, environment: environment)
            case "tail":
                return try await TailCommand.run(rest, environment: environment)
            case "ls":
                return try await ListCommand.run(rest, environment: environment)
            case "url":
                return try await UrlCommand.run(rest, environment: environment)
            case "rm":
                return try await RemoveCommand.run(rest, environment: environment)
            case "rmtree":
                return try await RemoveTreeCommand.run(rest, environment: environment)
            case "upload", "u":
                return try await UploadCommand.run(rest, environment: environment)
            case "cold":
                return try await ColdCommand.run(rest, environment: environment)
            case "meta":
                return try await MetaCommand.run(rest, environment: environment)
            case "clear-meta", "clear_meta":
                return try await ClearMetaCommand.run(rest, environment: environment)
            case "break":
                return try await BreakCommand.run(rest, environment: environment)
            case "cache":
                return try await CacheCommand.run(rest, environment: environment)
            case "uploads":
                return try await UploadsCommand.run(rest, environment: environment)
            default:
                throw usageError("unknown command '\(command)'; run 'azfuse --help' for the list")
            }
        } catch {
            return fail(error)
        }
    }

    /// An error for bad usage.
    static func usageError(_ message: String) -> AzFuseError {
        AzFuseError(.invalidArgument, message)
    }

    /// Prints `error` on one line to standard error and returns its exit status.
    static func fail(_ error: any Error) -> Int32 {
        let azFuseError = error as? AzFuseError
        printError("azfuse: error: \(azFuseError.map { String(describing: $0) } ?? String(describing: error))")
        switch azFuseError?.code {
        case .invalidConfiguration?, .invalidArgument?: return usageOrConfiguration
        default: return failure
        }
    }

    /// Runs `body` for each path; a failure is printed naming its path and the other paths still run.
    ///
    /// - Returns: ``success`` if every path succeeded, else the exit status of the last failure.
    static func forEach(
        _ paths: [String], isolation: isolated (any Actor)? = #isolation, _ body: (String) async throws -> Void
    ) async -> Int32 {
        var status = success
        for path in paths {
            do {
                try await body(path)
            } catch {
                status = fail(error)
            }
        }
        return status
    }

    /// Writes a message to standard error, ending with `terminator`.
    static func printError(_ message: String, terminator: String = "\n") {
        FileHandle.standardError.write(Data((message + terminator).utf8))
    }
}
