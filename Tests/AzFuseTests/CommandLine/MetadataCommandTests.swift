import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The metadata subcommands of the built `azfuse` executable against the emulator, with a YAML configuration.
@Suite(.serialized) struct MetadataCommandTests {
    struct Setup {
        let emulator: BlobEmulator
        let client: BlobClient
        let environment: [String: String]

        func logical(_ name: String) -> String { emulator.localPath("data/\(name)") }

        func run(_ arguments: [String]) async throws -> CommandRunner.Result {
            try await CommandRunner.runOffPool(
                arguments, environment: environment, currentFolder: emulator.scratchDirectory)
        }

        func put(_ name: String, _ content: String) async throws {
            try await CrossProcessCacheTests.upload(client, emulator, name: name, content: Data(content.utf8))
        }
    }

    static func withSetup(_ body: (Setup) async throws -> Void) async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            let environment = try CrossProcessCacheTests.writeConfiguration(
                emulator, container: client.account.containerName)
            try await body(Setup(emulator: emulator, client: client, environment: environment))
        }
    }

    @Test func lsPrintsATableOrJSONLines() async throws {
        try await Self.withSetup { setup in
            try await setup.put("dir/a.txt", "aaa")
            try await setup.put("dir/sub/b.txt", String(repeating: "b", count: 2048))
            let table = try await setup.run(["ls", setup.logical("dir")])
            #expect(table.status == 0, "\(table.standardError)")
            let lines = table.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.count == 3)
            #expect(lines[0].hasPrefix("KIND"))
            #expect(lines[1].hasPrefix("file") && lines[1].contains("3 B") && lines[1].hasSuffix("  a.txt"))
            #expect(lines[2].hasPrefix("dir") && lines[2].hasSuffix("  sub/"))

            let json = try await setup.run(["ls", "--json", "--recursive", setup.logical("dir")])
            #expect(json.status == 0, "\(json.standardError)")
            let objects = try json.standardOutput.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            #expect(objects.map { $0["name"] as? String } == ["a.txt", "sub/b.txt"])
            #expect(
                objects.map { $0["path"] as? String } == [setup.logical("dir/a.txt"), setup.logical("dir/sub/b.txt")])
            #expect(objects[1]["size"] as? Int == 2048)
            #expect(objects[1]["kind"] as? String == "file")
            #expect((objects[1]["lastModified"] as? String)?.hasSuffix("Z") == true)

            let two = try await setup.run(["ls", "a", "b"])
            #expect(two.status == 2)
        }
    }

    @Test func headAndTailReadOnlyWhatTheyPrint() async throws {
        try await Self.withSetup { setup in
            let text = (1...30).map { "line \($0)\n" }.joined()
            try await setup.put("lines.txt", text)
            let head = try await setup.run(["head", "-n", "3", setup.logical("lines.txt")])
            #expect(head.status == 0, "\(head.standardError)")
            #expect(head.standardOutput == "line 1\nline 2\nline 3\n")
            let tail = try await setup.run(["tail", "--lines=2", setup.logical("lines.txt")])
            #expect(tail.standardOutput == "line 29\nline 30\n")
            let tailDefault = try await setup.run(["tail", setup.logical("lines.txt")])
            #expect(tailDefault.standardOutput == (21...30).map { "line \($0)\n" }.joined())
            #expect(!FileManager.default.fileExists(atPath: setup.emulator.localPath("cache/lines.txt")))

            let missing = try await setup.run(["head", setup.logical("nope.txt"), setup.logical("lines.txt")])
            #expect(missing.status == 1)
            #expect(missing.standardError.contains(setup.logical("nope.txt")))
            #expect(missing.standardError.contains("notFound"))
            #expect(missing.standardOutput.hasPrefix("line 1\n"), "the other paths still run")
            let bad = try await setup.run(["head", "-n", "many", setup.logical("lines.txt")])
            #expect(bad.status == 2)
            let noValue = try await setup.run(["tail", setup.logical("lines.txt"), "-n"])
            #expect(noValue.status == 2)
        }
    }

    @Test func urlPrintsAWorkingSignedURLOnStandardOutputOnly() async throws {
        try await Self.withSetup { setup in
            try await setup.put("u.txt", "via url")
            let result = try await setup.run(["url", "--expires", "2h", setup.logical("u.txt")])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardError.isEmpty)
            let url = try #require(URL(string: result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(url.absoluteString.contains("sig="))
            let (data, _) = try await URLSession.shared.data(from: url)
            #expect(data == Data("via url".utf8))
            let bad = try await setup.run(["url", "--expires", "-5m", setup.logical("u.txt")])
            #expect(bad.status == 2)
            let help = try await setup.run(["url", "--help"])
            #expect(help.standardOutput.contains("secret"))

            let accounts = setup.environment["AZFUSE_STORAGE_ACCOUNT_CONFIG_FOLDER"]!
            let sas = try setup.client.makeContainerSAS(permissions: "r", expiresOn: Date() + 3600)
            try """
            account_name: \(BlobEmulator.accountName)
            container_name: \(setup.client.account.containerName)
            sas_token: "\(sas)"
            endpoint: \(setup.emulator.endpoint.absoluteString)
            """.write(toFile: accounts + "/emulator.yaml", atomically: true, encoding: .utf8)
            let noKey = try await setup.run(["url", setup.logical("u.txt")])
            #expect(noKey.status == 1)
            #expect(noKey.standardOutput.isEmpty)
            #expect(noKey.standardError.contains("unsupported"))
            #expect(noKey.standardError.contains(BlobEmulator.accountName))
            #expect(!noKey.standardError.contains("sig=") || noKey.standardError.contains("sig=REDACTED"))
        }
    }

    @Test func rmAndRmtreeDeleteAndRefuseWithoutConfirmation() async throws {
        try await Self.withSetup { setup in
            for index in 0..<5 { try await setup.put("t/\(index).txt", "x") }
            try await setup.put("single.txt", "s")
            let removed = try await setup.run(["rm", setup.logical("single.txt")])
            #expect(removed.status == 0, "\(removed.standardError)")
            let again = try await setup.run(["rm", setup.logical("single.txt")])
            #expect(again.status == 1)
            #expect(again.standardError.contains(setup.logical("single.txt")))

            let refused = try await setup.run(["rmtree", setup.logical("t")])
            #expect(refused.status == 2)
            #expect(refused.standardError.contains("--yes"))
            #expect(try await setup.client.list(prefix: "azfuse_data/t/").count == 5, "nothing deleted")

            let deleted = try await setup.run(["rmtree", "--yes", setup.logical("t")])
            #expect(deleted.status == 0, "\(deleted.standardError)")
            #expect(deleted.standardError.contains("deleted 5 files"))
            #expect(!deleted.standardError.contains("["), "no progress bar without a terminal")
            #expect(try await setup.client.list(prefix: "azfuse_data/t/").isEmpty)
            let empty = try await setup.run(["rmtree", "-y", setup.logical("t")])
            #expect(empty.status == 1)
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func rmtreeAsksOnATerminal() async throws {
        try await Self.withSetup { setup in
            for index in 0..<3 { try await setup.put("q/\(index).txt", "x") }
            let executable = CommandRunner.productsDirectory.appendingPathComponent("azfuse").path
            for (answer, remaining) in [("n", 3), ("y", 0)] {
                let command =
                    "printf '\(answer)\\n' | script -qec \"'\(executable)' rmtree '\(setup.logical("q"))'\" /dev/null"
                let text = try await Self.shell(
                    command, environment: setup.environment, in: setup.emulator.scratchDirectory)
                #expect(text.contains("delete 3 files below"), "\(text)")
                #expect(try await setup.client.list(prefix: "azfuse_data/q/").count == remaining, "\(text)")
            }
        }
    }

    /// Runs a shell command with `environment` (plus PATH and HOME) on a Dispatch thread; returns its output.
    static func shell(_ command: String, environment: [String: String], in directory: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        let process = Process()
                        process.executableURL = URL(fileURLWithPath: "/bin/sh")
                        process.arguments = ["-c", command]
                        process.environment = environment.merging(
                            ProcessInfo.processInfo.environment.filter { ["PATH", "HOME"].contains($0.key) }
                        ) { first, _ in first }
                        process.currentDirectoryURL = URL(fileURLWithPath: directory)
                        let output = Pipe()
                        process.standardOutput = output
                        process.standardError = output
                        try process.run()
                        let data = output.fileHandleForReading.readDataToEndOfFile()
                        process.waitUntilExit()
                        return String(decoding: data, as: UTF8.self)
                    })
            }
        }
    }

    @Test func uploadColdMetaClearMetaAndBreak() async throws {
        try await Self.withSetup { setup in
            let local = setup.emulator.localPath("local.txt")
            try Data("from disk".utf8).write(to: URL(fileURLWithPath: local))
            let uploaded = try await setup.run(["upload", "--from", local, setup.logical("up.txt")])
            #expect(uploaded.status == 0, "\(uploaded.standardError)")
            #expect(try await setup.client.properties(of: "azfuse_data/up.txt").size == 9)

            let cache = setup.emulator.localPath("cache/up.txt")
            try Data("edited in the cache".utf8).write(to: URL(fileURLWithPath: cache))
            let reupload = try await setup.run(["u", setup.logical("up.txt")])
            #expect(reupload.status == 0, "\(reupload.standardError)")
            #expect(try await setup.client.properties(of: "azfuse_data/up.txt").size == 19)
            let unmapped = try await setup.run(["upload", "/elsewhere/x"])
            #expect(unmapped.status == 1)

            let cold = try await setup.run(["cold", setup.logical("up.txt")])
            #expect(cold.status == 0, "\(cold.standardError)")
            #expect(try await setup.client.properties(of: "azfuse_data/up.txt").accessTier == "Cold")
            let cool = try await setup.run(["cold", "--tier", "cool", setup.logical("up.txt")])
            #expect(cool.status == 0)
            #expect(try await setup.client.properties(of: "azfuse_data/up.txt").accessTier == "Cool")
            #expect(try await setup.run(["cold", "--tier", "warm", setup.logical("up.txt")]).status == 2)
            #expect(try await setup.run(["cold", setup.logical("missing")]).status == 1)

            try await setup.client.setMetadata(["owner": "alice", "step": "7"], for: "azfuse_data/up.txt")
            let meta = try await setup.run(["meta", setup.logical("up.txt")])
            #expect(meta.status == 0, "\(meta.standardError)")
            #expect(meta.standardOutput == "owner: alice\nstep: 7\n")
            let json = try await setup.run(["meta", "--json", setup.logical("up.txt")])
            #expect(json.standardOutput == "{\"owner\":\"alice\",\"step\":\"7\"}\n")
            #expect(try await setup.run(["clear_meta", setup.logical("up.txt")]).status == 0)
            #expect(try await setup.run(["meta", setup.logical("up.txt")]).standardOutput.isEmpty)
            let unmappedMeta = try await setup.run(["meta", "/elsewhere/x"])
            #expect(unmappedMeta.status == 1)
            #expect(unmappedMeta.standardError.contains("unsupported"))

            try await setup.client.acquireLease(
                on: "azfuse_data/up.txt", id: UUID().uuidString.lowercased(), seconds: -1)
            #expect(try await setup.run(["break", setup.logical("up.txt")]).status == 0)
            let id = UUID().uuidString.lowercased()
            try await setup.client.acquireLease(on: "azfuse_data/up.txt", id: id, seconds: 15)
            try await setup.client.releaseLease(on: "azfuse_data/up.txt", id: id)
            #expect(try await setup.run(["break", setup.logical("gone")]).status == 1)
        }
    }

    @Test func cacheDuAndClear() async throws {
        try await Self.withSetup { setup in
            try await setup.put("c/one.bin", String(repeating: "1", count: 1500))
            try await setup.put("c/two.bin", String(repeating: "2", count: 500))
            #expect(try await setup.run(["d", setup.logical("c/one.bin"), setup.logical("c/two.bin")]).status == 0)
            let du = try await setup.run(["cache", "du"])
            #expect(du.status == 0, "\(du.standardError)")
            let fields = du.standardOutput.trimmingCharacters(in: .newlines).split(separator: "\t").map(String.init)
            #expect(fields == ["2.0 KiB", "2000", setup.emulator.localPath("data"), setup.emulator.localPath("cache")])
            let one = try await setup.run(["cache", "du", setup.logical("c/one.bin")])
            #expect(one.standardOutput.hasPrefix("1.5 KiB\t1500\t"))
            #expect(try await setup.run(["cache", "clear", setup.logical("c/one.bin")]).status == 0)
            #expect(!FileManager.default.fileExists(atPath: setup.emulator.localPath("cache/c/one.bin")))
            #expect(FileManager.default.fileExists(atPath: setup.emulator.localPath("cache/c/two.bin")))
            #expect(try await setup.run(["cache", "clear"]).status == 2)
            #expect(try await setup.run(["cache", "purge"]).status == 2)
        }
    }

    @Test func everySubcommandHasHelpAndRejectsUnknownOptions() async throws {
        let commands = [
            "resolve", "download", "cat", "head", "tail", "ls", "url", "rm", "rmtree", "upload", "cold", "meta",
            "clear-meta", "break", "cache",
        ]
        for command in commands {
            let help = try await CommandRunner.runOffPool([command, "--help"], environment: [:], currentFolder: "/")
            #expect(help.status == 0, "\(command)")
            #expect(help.standardOutput.contains("usage: azfuse \(command)"), "\(command)")
            let bogus = try await CommandRunner.runOffPool(
                [command, "--bogus", "x"], environment: [:], currentFolder: "/")
            #expect(bogus.status == 2, "\(command)")
        }
        let usage = try await CommandRunner.runOffPool(["--help"], environment: [:], currentFolder: "/")
        for command in commands { #expect(usage.standardOutput.contains("  \(command) "), "\(command)") }
    }
}
