import AzFuse
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The project's blob emulator (`Tests/BlobEmulator/blob_emulator.py`) as a child process, for the benchmark and
/// the demonstration: started on a free loopback port, stopped (SIGTERM, then SIGKILL) by ``stop()``.
package struct EmulatorServer: Sendable {
    /// The emulator's well-known account.
    package static let accountName = "devstoreaccount1"
    /// The well-known account's key (public: it is Azurite's).
    package static let accountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

    /// The TCP port it listens on.
    package let port: Int
    private let process: Task<Void, Never>

    /// Starts `python3 script --port 0 --data-dir dataDirectory` and waits for its `{"port": N}` line.
    ///
    /// - Throws: ``EmulatorError`` if the script is missing or the emulator exits before printing its port.
    package static func start(script: String, dataDirectory: String) async throws -> EmulatorServer {
        guard FileManager.default.fileExists(atPath: script) else {
            throw EmulatorError("emulator script not found at \(script); run from the package root")
        }
        let (lines, sink) = AsyncStream.makeStream(of: String.self)
        let process = Task {
            let command = ProcessRunner.Command(
                executable: "python3", arguments: [script, "--port", "0", "--data-dir", dataDirectory])
            _ = try? await ProcessRunner().run(command) { line in sink.yield(line) }
            sink.finish()
        }
        struct PortLine: Decodable { var port: Int }
        for await line in lines {
            if let port = try? JSONDecoder().decode(PortLine.self, from: Data(line.utf8)).port {
                return EmulatorServer(port: port, process: process)
            }
        }
        throw EmulatorError("the emulator exited before printing its port")
    }

    /// Stops the emulator and waits until it has exited.
    package func stop() async {
        process.cancel()
        await process.value
    }

    /// The blob endpoint of the well-known account.
    package var endpoint: URL { URL(string: "http://127.0.0.1:\(port)/\(Self.accountName)")! }

    /// The well-known account, Shared Key authenticated, with the given container.
    package func account(container: String) -> StorageAccount {
        StorageAccount(
            accountName: Self.accountName, containerName: container, accountKey: Self.accountKey, endpoint: endpoint)
    }

    /// GET requests per blob logged since the last ``clearRequests()``.
    package func getsPerBlob() async throws -> [String: Int] {
        let (data, _) = try await URLSession.shared.data(from: controlURL("requests"))
        struct Entry: Decodable {
            var method: String
            var blob: String?
        }
        var counts: [String: Int] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let entry = try JSONDecoder().decode(Entry.self, from: Data(line.utf8))
            if entry.method == "GET", let blob = entry.blob { counts[blob, default: 0] += 1 }
        }
        return counts
    }

    /// Empties the emulator's request log.
    package func clearRequests() async throws {
        var request = URLRequest(url: controlURL("requests"))
        request.httpMethod = "DELETE"
        _ = try await URLSession.shared.data(for: request)
    }

    private func controlURL(_ resource: String) -> URL {
        URL(string: "http://127.0.0.1:\(port)/__emulator/\(resource)")!
    }
}

/// A failure of the emulator or a helper command, printed as is.
package struct EmulatorError: Error, CustomStringConvertible {
    /// What went wrong.
    package let description: String

    /// Creates an error with a message.
    package init(_ description: String) {
        self.description = description
    }
}

/// Runs a command (no shell) and throws, quoting its standard error, unless it exits with code 0.
///
/// - Parameters:
///   - arguments: The executable (a path or a name on `PATH`) and its arguments.
///   - environment: Variables set on top of the current environment.
/// - Returns: The tail of its standard output.
@discardableResult
package func runCommand(_ arguments: [String], environment: [String: String] = [:]) async throws -> String {
    let command = ProcessRunner.Command(
        executable: arguments[0], arguments: Array(arguments.dropFirst()), environmentOverrides: environment)
    let result = try await ProcessRunner().run(command)
    guard result.exitStatus.isSuccess else {
        throw EmulatorError(
            "\(arguments[0]) failed with \(result.exitStatus): \(result.standardError.text.suffix(2000))")
    }
    return result.standardOutput.text
}
