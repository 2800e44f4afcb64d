import Dispatch
import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseYAML

/// Mapping files: azfuse-compatible `remote` normalization, errors that name the file and line, and files that are
/// not regular files refused at once.
@Suite struct MappingFileTests {
    static let account = "account_name: acct\ncontainer_name: box\nsas_token: ?sv=1&sig=abc\n"

    /// Writes `mapping` as the mapping file and the account `main` into `directory`; returns the mapping file.
    @discardableResult
    static func writeLayout(_ mapping: String, in directory: TemporaryDirectory) throws -> String {
        try directory.write(account, to: "aux_data/storage_account/main.yaml")
        return try directory.write(mapping, to: "aux_data/configs/azfuse.yaml")
    }

    /// The configuration in `directory`, and the resolver built from it (which validates the mounts).
    static func resolver(in directory: TemporaryDirectory) throws -> PathResolver {
        let configuration = try AzFuseConfiguration.fromEnvironment(
            ["AZFUSE_USE_FUSE": "1"], currentFolder: directory.path)
        return try PathResolver(configuration: configuration, baseFolder: directory.path, homeFolder: "/h")
    }

    @Test func dotSegmentsInRemoteAreResolvedLikeAzfuse() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.writeLayout(
            """
            - {local: data, remote: h5/./x/../y, cache: /c/data, storage_account: main}
            - {local: models, remote: models, cache: /c/models, storage_account: main}
            - {local: root, remote: a/.., cache: /c/root, storage_account: main}
            - {local: deep, remote: ./a/b/../../c/./d/.., cache: /c/deep, storage_account: main}
            """, in: directory)
        let resolver = try Self.resolver(in: directory)
        let cases = [
            ("data/abc.txt", "h5/y/abc.txt"), ("models/m.pt", "models/m.pt"), ("root/k", "k"), ("deep/z", "c/z"),
        ]
        for (path, blobName) in cases {
            let blob = try #require(try resolver.resolve(path, currentFolder: directory.path).blob)
            #expect(blob.blobName == blobName, "\(path)")
        }
    }

    @Test func remoteClimbingAboveTheContainerNamesTheMountAndTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for remote in ["../x", "a/../../x", ".."] {
            let file = try Self.writeLayout(
                """
                - local: models
                  remote: models
                  cache: /c/models
                  storage_account: main
                - local: data
                  cache: /c/data
                  remote: \(remote)
                  storage_account: main
                """, in: directory)
            let error = try #require(throws: AzFuseError.self) { try Self.resolver(in: directory) }
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.hasPrefix("\(file):7:3: mount 'data'"), "\(error.message)")
            #expect(error.message.contains("climbs above the container root"))
            #expect(error.path == file)
        }
    }

    /// Each mount error points at the mapping file, the line and the column of the key concerned.
    @Test(arguments: [
        ("{local: '', remote: r, cache: /c, storage_account: main}", "1:4", "empty 'local'"),
        ("{local: d, remote: r, cache: '', storage_account: main}", "1:25", "empty 'cache'"),
        ("{local: d, remote: r, cache: /, storage_account: main}", "1:25", "'/' as its cache folder"),
        ("{local: d, remote: r, cache: /x/.., storage_account: main}", "1:25", "'/' as its cache folder"),
        ("{local: d, remote: x/../.., cache: /c, storage_account: main}", "1:14", "climbs above"),
        ("{local: d, remote: r, cache: /c, storage_account: ''}", "1:36", "not a plain file name"),
        ("{local: d, remote: r, cache: /c, storage_account: a/b}", "1:36", "not a plain file name"),
        ("{local: d, remote: r, cache: /c, storage_account: nope}", "1:36", "does not exist"),
    ])
    func mountErrorsNameTheMappingFile(_ mount: String, _ position: String, _ problem: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try Self.writeLayout("- " + mount + "\n", in: directory)
        let error = try #require(throws: AzFuseError.self) { try Self.resolver(in: directory) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains("\(file):\(position)"), "\(error.message)")
        #expect(error.message.contains(problem), "\(error.message)")
    }

    @Test func mountsBuiltInCodeStillNameTheMount() throws {
        let configuration = AzFuseConfiguration(
            mounts: [Mount(local: "d", remote: "../up", cache: "/c", storageAccount: "main")],
            storageAccounts: ["main": StorageAccount(accountName: "a", containerName: "c")])
        let error = try #require(throws: AzFuseError.self) {
            try PathResolver(configuration: configuration, baseFolder: "/w", homeFolder: "/h")
        }
        #expect(error.message.hasPrefix("mount 'd' has remote '../up'"), "\(error.message)")
        #expect(
            Mount(local: "d", remote: "r", cache: "/c", storageAccount: "main")
                == (try MappingFile.mounts(
                    from: YAMLReader.parse("- {local: d, remote: r, cache: /c, storage_account: main}", file: "f"),
                    file: "f"))[0])
    }

    @Test func yamlErrorsBecomeConfigurationErrorsWithTheReadersText() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let mapping = try directory.write("- {local: d, remote: r\n", to: "mapping.yaml")
        let account = try directory.write("account_name: a\n\tcontainer_name: c\n", to: "account.yaml")
        for (file, load) in [
            (mapping, { _ = try MappingFile.load(mapping) }),
            (account, { _ = try StorageAccountFile.load(name: "account", folder: directory.path) }),
        ] as [(String, () throws -> Void)] {
            let yamlError = try #require(throws: YAMLError.self) { try YAMLReader.parse(contentsOf: file) }
            let error = try #require(throws: AzFuseError.self) { try load() }
            #expect(error.code == .invalidConfiguration)
            #expect(error.path == file)
            #expect(error.message == yamlError.message)
            #expect(error.message.hasPrefix("\(file):\(yamlError.line ?? 0):\(yamlError.column ?? 0): "))
        }
        let missing = directory.file("missing.yaml")
        let error = try #require(throws: AzFuseError.self) { try MappingFile.load(missing) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.path == missing)
        #expect(error.message == "\(missing): the configuration file does not exist; check the path")
    }

    @Test func symlinkedMappingFileIsRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let real = try directory.write(
            "- {local: data, remote: r, cache: /c/data, storage_account: main}\n", to: "real.yaml")
        try directory.write(Self.account, to: "aux_data/storage_account/main.yaml")
        try FileManager.default.createDirectory(
            atPath: directory.file("aux_data/configs"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: directory.file("aux_data/configs/azfuse.yaml"), withDestinationPath: real)
        let blob = try #require(
            try Self.resolver(in: directory).resolve("data/a", currentFolder: directory.path).blob)
        #expect(blob.blobName == "r/a")
    }

    @Test func fifoMappingFileIsRefusedAtOnce() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(Self.account, to: "aux_data/storage_account/main.yaml")
        let fifo = directory.file("mapping.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let error = try Self.promptly(unblocking: fifo) {
            _ = try AzFuseConfiguration.fromEnvironment(
                ["AZFUSE_USE_FUSE": "1", "AZFUSE_CLOUD_FUSE_CONFIG_FILE": fifo], currentFolder: directory.path)
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("\(fifo): this is a FIFO") == true, "\(String(describing: error))")
    }

    @Test func fifoBaseFileIsRefusedAtOnceAndNamesTheIncludingFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.writeLayout("- {local: d, remote: r, cache: /c, storage_account: main}\n", in: directory)
        let including = try directory.write(
            "container_name: box\n_base_: base.fifo\n", to: "aux_data/storage_account/main.yaml")
        let fifo = directory.file("aux_data/storage_account/base.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let error = try Self.promptly(unblocking: fifo) { _ = try Self.resolver(in: directory) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("\(fifo): this is a FIFO") == true, "\(String(describing: error))")
        #expect(error?.message.contains("included by '_base_' at \(including):2:1") == true)
    }

    @Test func devicesAndDirectoriesAreRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(Self.account, to: "aux_data/storage_account/main.yaml")
        for (file, kind) in [("/dev/null", "a character device"), (directory.path, "a directory")] {
            let error = try #require(throws: AzFuseError.self) {
                try AzFuseConfiguration.fromEnvironment(
                    ["AZFUSE_USE_FUSE": "1", "AZFUSE_CLOUD_FUSE_CONFIG_FILE": file], currentFolder: directory.path)
            }
            #expect(error.message.hasPrefix("\(file): this is \(kind)"), "\(error.message)")
        }
    }

    @Test func missingBaseFileNamesTheIncludingFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.writeLayout("- {local: d, remote: r, cache: /c, storage_account: main}\n", in: directory)
        let including = try directory.write(
            "container_name: box\n_base_: gone.yaml\n", to: "aux_data/storage_account/main.yaml")
        let error = try #require(throws: AzFuseError.self) { try Self.resolver(in: directory) }
        #expect(error.message.contains("gone.yaml: the configuration file does not exist"), "\(error.message)")
        #expect(error.message.contains("included by '_base_' at \(including):2:1"), "\(error.message)")
    }

    /// Runs `body` on its own thread and returns the ``AzFuseError`` it throws. If it is still running after a few
    /// seconds (blocked opening the FIFO), records a failure and opens the FIFO for writing to release it, so a
    /// regression fails the test instead of hanging the suite.
    static func promptly(unblocking fifo: String, _ body: @escaping @Sendable () throws -> Void) throws
        -> AzFuseError?
    {
        let outcome = LockedValue<AzFuseError?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            do {
                try body()
            } catch {
                outcome.withLock { $0 = error as? AzFuseError }
            }
            finished.signal()
        }.start()
        if finished.wait(timeout: .now() + 5) == .timedOut {
            Issue.record("reading \(fifo) did not return within 5 seconds")
            let writer = open(fifo, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
            finished.wait()
        }
        return outcome.value
    }
}
