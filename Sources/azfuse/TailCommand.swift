import AzFuse
import Foundation

/// `azfuse tail [-n LINES] PATH...`: prints the last lines of files, reading only the bytes needed.
enum TailCommand {
    static let help = """
        usage: azfuse tail [-n LINES] PATH...

        Prints the last LINES lines (default 10) of each PATH. Mapped files are read straight from the blob,
        backwards in 64 KiB ranges until enough lines have arrived, without downloading the whole file or touching
        the cache.
        """

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let parsed = try ParsedArguments(arguments, command: "tail", valueOptions: ["-n", "--lines"])
        if parsed.wantsHelp {
            print(help)
            return CommandLineTool.success
        }
        let lines = try HeadCommand.lineCount(parsed, command: "tail")
        let paths = try parsed.requireOperands(command: "tail")
        let fuse = try AzFuseClient.fromEnvironment(environment)
        return await CommandLineTool.forEach(paths) { path in
            let size = try await fuse.size(of: path)
            var start = size
            var tail = Data()
            while start > 0 {
                let length = Int(min(Int64(HeadCommand.chunkSize), start))
                start -= Int64(length)
                tail = try await fuse.readRange(path, offset: start, length: length) + tail
                if let cut = cutIndex(tail, lines: lines, reachedStart: start == 0) {
                    tail = tail[cut...]
                    break
                }
            }
            FileHandle.standardOutput.write(tail)
        }
    }

    /// Where the last `lines` lines of `data` start, or `nil` when more data is needed.
    static func cutIndex(_ data: Data, lines: Int, reachedStart: Bool) -> Data.Index? {
        guard lines > 0 else { return data.endIndex }
        var newlines = 0
        var index = data.endIndex
        if index > data.startIndex && data[index - 1] == UInt8(ascii: "\n") { index -= 1 }
        while index > data.startIndex {
            index -= 1
            if data[index] == UInt8(ascii: "\n") {
                newlines += 1
                if newlines == lines { return index + 1 }
            }
        }
        return reachedStart ? data.startIndex : nil
    }
}
