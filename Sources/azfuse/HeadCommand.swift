import AzFuse
import Foundation

/// `azfuse head [-n LINES] PATH...`: prints the first lines of files, reading only the bytes needed.
enum HeadCommand {
    static let help = """
        usage: azfuse head [-n LINES] PATH...

        Prints the first LINES lines (default 10) of each PATH. Mapped files are read straight from the blob, in
        64 KiB ranges until enough lines have arrived, without downloading the whole file or touching the cache
        (azfuse re-downloaded the whole file).
        """

    /// How many bytes each ranged read asks for.
    static let chunkSize = 64 << 10

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(arguments, command: "head", valueOptions: ["-n", "--lines"])
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let lines = try lineCount(parsed, command: "head")
        let paths = try parsed.requireOperands(command: "head")
        let fuse = try AzFuseClient.fromEnvironment(environment)
        return await CommandLineTool.forEach(paths) { path in
            var offset: Int64 = 0
            var newlines = 0
            while newlines < lines {
                let chunk = try await fuse.readRange(path, offset: offset, length: chunkSize)
                var end = chunk.endIndex
                for index in chunk.indices where chunk[index] == UInt8(ascii: "\n") {
                    newlines += 1
                    if newlines == lines {
                        end = index + 1
                        break
                    }
                }
                FileHandle.standardOutput.write(chunk[chunk.startIndex..<end])
                if chunk.count < chunkSize { break }
                offset += Int64(chunk.count)
            }
        }
    }

    /// The `-n` value: a non-negative line count, 10 when absent.
    static func lineCount(_ parsed: ParsedArguments, command: String) throws -> Int {
        guard let text = parsed.value("-n", "--lines") else { return 10 }
        guard let count = Int(text), count >= 0 else {
            throw CommandLineTool.usageError("\(command): -n needs a non-negative number of lines, not '\(text)'")
        }
        return count
    }
}
