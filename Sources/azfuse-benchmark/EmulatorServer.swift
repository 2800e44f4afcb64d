import AzFuse
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The Python blob emulator as a child process, with its data under the benchmark's work directory.
struct EmulatorServer: Sendable {
    static let accountName = "devstoreaccount1"
    static let accountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

    let process: ChildProcess
    let port: Int

    /// Starts `python3 script --port 0 --data-dir dataDirectory` and waits for its `{"port": N}` line.
    static func start(script: String, dataDirectory: String) async throws -> EmulatorServer {
        guard FileManager.default.fileExists(atPath: script) else {
            throw BenchmarkError("emulator script not found at \(script); run from the package root or pass --emulator")
        }
        let process = try ChildProcess(
            ["python3", script, "--port", "0", "--data-dir", dataDirectory], captureOutput: true)
        struct PortLine: Decodable { var port: Int }
        let line = await process.readLine()
        guard let port = try? JSONDecoder().decode(PortLine.self, from: Data(line.utf8)).port else {
            process.kill()
            throw BenchmarkError("the emulator did not print its port (got '\(line)')")
        }
        return EmulatorServer(process: process, port: port)
    }

    /// The well-known account with a container called `container`.
    func account(container: String) -> StorageAccount {
        StorageAccount(
            accountName: Self.accountName, containerName: container, accountKey: Self.accountKey,
            endpoint: URL(string: "http://127.0.0.1:\(port)/\(Self.accountName)"))
    }

    /// GET requests per blob logged since the last ``clearRequests()``.
    func getsPerBlob() async throws -> [String: Int] {
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
    func clearRequests() async throws {
        var request = URLRequest(url: controlURL("requests"))
        request.httpMethod = "DELETE"
        _ = try await URLSession.shared.data(for: request)
    }

    private func controlURL(_ resource: String) -> URL {
        URL(string: "http://127.0.0.1:\(port)/__emulator/\(resource)")!
    }
}
