import Foundation
import Testing

@testable import AzFuse

/// azfuse-compatible configuration: environment variables (QD_ wins), mapping YAML, storage account YAML.
@Suite struct EnvironmentConfigurationTests {
    static let mapping = """
        # the README's example, plus a container-root mount
        - cache: /tmp/azfuse/data
          local: data
          remote: azfuse_data
          storage_account: storage_config_name
          cache_lock: true
        - cache: ~/azfuse/models
          local: models
          remote: models
          storage_account: other
        - {local: /root/mount, remote: '', cache: /tmp/root, storage_account: other}
        """

    static let account = """
        account_name: accountname
        account_key: null
        sas_token: ?sv=2021-08-06&sp=rl&sig=abc%2Bdef
        container_name: containername
        """

    /// Writes the standard layout (aux_data/configs/azfuse.yaml and aux_data/storage_account/*.yaml).
    static func writeLayout(in directory: TemporaryDirectory) throws {
        try directory.write(mapping, to: "aux_data/configs/azfuse.yaml")
        try directory.write(account, to: "aux_data/storage_account/storage_config_name.yaml")
        try directory.write(
            "_base_: storage_config_name.yaml\ncontainer_name: other\nendpoint: http://127.0.0.1:10000/devstoreaccount1\n",
            to: "aux_data/storage_account/other.yaml")
    }

    @Test func disabledByDefaultAndReadsNoFiles() throws {
        let configuration = try AzFuseConfiguration.fromEnvironment([:], currentFolder: "/nonexistent")
        #expect(configuration.isEnabled == false)
        #expect(configuration.mounts.isEmpty)
        for value in ["0", "", "off", "false"] {
            let off = try AzFuseConfiguration.fromEnvironment(["AZFUSE_USE_FUSE": value], currentFolder: "/none")
            #expect(off.isEnabled == false)
        }
    }

    @Test func loadsTheDefaultLayoutRelativeToTheCurrentDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.writeLayout(in: directory)
        let configuration = try AzFuseConfiguration.fromEnvironment(
            ["AZFUSE_USE_FUSE": "1", "AZFUSE_AZCOPY_PATH": "/opt/azcopy"], currentFolder: directory.path)
        #expect(configuration.isEnabled)
        #expect(configuration.azcopyPath == "/opt/azcopy")
        #expect(configuration.mounts.map(\.local) == ["data", "models", "/root/mount"])
        #expect(configuration.mounts[2].remote == "")
        #expect(configuration.mounts[1].cache == "~/azfuse/models")

        let main = try #require(configuration.storageAccounts["storage_config_name"])
        #expect(main.accountName == "accountname")
        #expect(main.containerName == "containername")
        #expect(main.accountKey == nil)
        #expect(main.sasToken == "sv=2021-08-06&sp=rl&sig=abc%2Bdef")
        #expect(main.endpoint.absoluteString == "https://accountname.blob.core.windows.net")

        let other = try #require(configuration.storageAccounts["other"])
        #expect(other.accountName == "accountname")
        #expect(other.containerName == "other")
        #expect(other.sasToken == main.sasToken)
        #expect(other.endpoint.absoluteString == "http://127.0.0.1:10000/devstoreaccount1")

        let fuse = try AzFuseClient(configuration: configuration)
        let resolved = try fuse.resolve(directory.file("data/abc.txt"))
        #expect(resolved.blob?.blobName == "azfuse_data/abc.txt")
        #expect(resolved.blob?.cachePath == "/tmp/azfuse/data/abc.txt")
    }

    @Test func legacyPrefixWinsAndSwitchesAreSummed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.writeLayout(in: directory)
        try directory.write("- {local: x, remote: y, cache: /c, storage_account: other}\n", to: "legacy.yaml")
        let environment = [
            "QD_USE_FUSE": "1", "AZFUSE_USE_FUSE": "0",
            "QD_CLOUD_FUSE_CONFIG_FILE": "legacy.yaml", "AZFUSE_CLOUD_FUSE_CONFIG_FILE": "missing.yaml",
            "QD_STORAGE_ACCOUNT_CONFIG_FOLDER": "aux_data/storage_account",
        ]
        let configuration = try AzFuseConfiguration.fromEnvironment(environment, currentFolder: directory.path)
        #expect(configuration.isEnabled)
        #expect(configuration.mounts.map(\.local) == ["x"])

        let summed = try AzFuseConfiguration.fromEnvironment(
            ["AZFUSE_USE_FUSE": "-1", "AZFUSE_TSV_USE_FUSE": "1"], currentFolder: directory.path)
        #expect(summed.isEnabled == false, "azfuse sums the two switches: -1 + 1 is off")
        let tsv = try AzFuseConfiguration.fromEnvironment(
            ["QD_TSV_USE_FUSE": "1"], currentFolder: directory.path)
        #expect(tsv.isEnabled)
    }

    @Test func badSwitchValueNamesTheVariable() throws {
        let error = try #require(throws: AzFuseError.self) {
            try AzFuseConfiguration.fromEnvironment(["QD_USE_FUSE": "maybe"], currentFolder: "/")
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains("QD_USE_FUSE"))
    }

    @Test func missingFilesAreNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let noMapping = try #require(throws: AzFuseError.self) {
            try AzFuseConfiguration.fromEnvironment(["AZFUSE_USE_FUSE": "1"], currentFolder: directory.path)
        }
        #expect(noMapping.path == directory.file("aux_data/configs/azfuse.yaml"))
        #expect(noMapping.message.contains("AZFUSE_CLOUD_FUSE_CONFIG_FILE"))

        try directory.write(Self.mapping, to: "aux_data/configs/azfuse.yaml")
        let noAccount = try #require(throws: AzFuseError.self) {
            try AzFuseConfiguration.fromEnvironment(["AZFUSE_USE_FUSE": "1"], currentFolder: directory.path)
        }
        #expect(noAccount.code == .invalidConfiguration)
        #expect(noAccount.path?.hasPrefix(directory.file("aux_data/storage_account/")) == true)
    }

    /// Each malformed file gives an error naming the file (and, where there is one, the line).
    @Test(arguments: [
        ("account_name: a\ncontainer_name: c\n", "mapping", "must be a list"),
        ("- local: d\n  remote: r\n  cache: /c\n", "mapping", "no 'storage_account'"),
        ("- [a, b]\n", "mapping", "each mount is a mapping"),
        ("- local: d\n  remote: r\n  cache: [x]\n  storage_account: s\n", "mapping", ":3:3:"),
        ("- local: d\n  remote: r\n\tcache: /c\n", "mapping", ":3:"),
        ("container_name: c\n", "account", "'account_name' is missing"),
        ("account_name: a\ncontainer_name: Bad_Name\n", "account", "not a valid container name"),
        ("account_name: a\ncontainer_name: c\nendpoint: ftp://x\n", "account", "not an http(s) URL"),
        ("account_name: a\ncontainer_name: c\nuse_default_azure_cred: true\n", "account", "not supported"),
        ("_base_: s.yaml\naccount_name: a\n", "account", "cycle"),
        ("- a\n- b\n", "account", "must be a mapping"),
    ])
    func malformedFilesAreReportedWithTheirName(text: String, file: String, expected: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let mappingText = file == "mapping" ? text : "- {local: d, remote: r, cache: /c, storage_account: s}\n"
        let mappingPath = try directory.write(mappingText, to: "aux_data/configs/azfuse.yaml")
        let accountPath = try directory.write(
            file == "account" ? text : "account_name: a\ncontainer_name: c\n", to: "aux_data/storage_account/s.yaml")
        let error = try #require(throws: AzFuseError.self) {
            try AzFuseConfiguration.fromEnvironment(["AZFUSE_USE_FUSE": "1"], currentFolder: directory.path)
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.description.contains(file == "mapping" ? mappingPath : accountPath), "\(error)")
        #expect(error.description.contains(expected), "\(error)")
    }
}
