// A test helper, not a product: reads mapped files with the azfuse environment configuration from one task group,
// one child task per path, and prints one line per path: `<path>\t<byte count>\t<FNV-1a 64 digest in hex>`, or
// `<path>\terror\t<message>`. Stress tests start several of these at once against one cache.
//
// usage: azfuse-test-reader <file listing one path per line>
//
// The child tasks return `(String, Result<Data, any Error>)` built as `(path, await outcome(path))`, with the
// do/catch in the named function `outcome(_:)`: the nearest shape to
// `{ do { return (path, try await File.read(path), nil) } catch { return (path, nil, "\(error)") } }` that Swift
// 6.3.1 compiles correctly in release builds (see Docs/KnownIssues.md).
import AzFuse
import Foundation

/// The outcome of reading `path` through the task's ``AzFuseClient`` instance.
func outcome(_ path: String) async -> Result<Data, any Error> {
    do {
        return .success(try await File.read(path))
    } catch {
        return .failure(error)
    }
}

/// FNV-1a, 64 bits: enough to tell contents apart in a test.
func digest(_ data: Data) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in data {
        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    return String(hash, radix: 16)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 1, let list = try? String(contentsOfFile: arguments[0], encoding: .utf8) else {
    FileHandle.standardError.write(Data("usage: azfuse-test-reader <file listing one path per line>\n".utf8))
    exit(2)
}
let paths = list.split(separator: "\n").map(String.init)
do {
    let fuse = try AzFuseClient(
        configuration: try AzFuseConfiguration.fromEnvironment(ProcessInfo.processInfo.environment))
    let lines = await fuse.withCurrent {
        await withTaskGroup(of: (String, Result<Data, any Error>).self) { group in
            for path in paths {
                group.addTask { (path, await outcome(path)) }
            }
            var lines: [String] = []
            for await (path, result) in group {
                switch result {
                case .success(let data): lines.append("\(path)\t\(data.count)\t\(digest(data))")
                case .failure(let error): lines.append("\(path)\terror\t\(error)")
                }
            }
            return lines
        }
    }
    print(lines.joined(separator: "\n"))
} catch {
    FileHandle.standardError.write(Data("azfuse-test-reader: \(error)\n".utf8))
    exit(1)
}
