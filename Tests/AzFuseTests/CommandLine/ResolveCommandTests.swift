import Foundation
import Testing

/// `azfuse resolve` end to end: the built executable, real files, real environment.
@Suite struct ResolveCommandTests {
    @Test func printsOneJSONObjectPerPathWithRedactedSAS() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try EnvironmentConfigurationTests.writeLayout(in: directory)
        let result = try CommandRunner.run(
            ["resolve", "--json", "data/a b.txt", "elsewhere/x", "/root/mount/k"],
            environment: ["AZFUSE_USE_FUSE": "1"], currentFolder: directory.path)
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        let objects = try lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(Set(objects[0].keys) == ["path", "mapped", "storageAccount", "container", "remote", "cache", "url"])
        #expect(objects[0]["path"] as? String == "data/a b.txt")
        #expect(objects[0]["mapped"] as? Bool == true)
        #expect(objects[0]["storageAccount"] as? String == "storage_config_name")
        #expect(objects[0]["container"] as? String == "containername")
        #expect(objects[0]["remote"] as? String == "azfuse_data/a b.txt")
        #expect(objects[0]["cache"] as? String == "/tmp/azfuse/data/a b.txt")
        #expect(
            objects[0]["url"] as? String
                == "https://accountname.blob.core.windows.net/containername/azfuse_data/a%20b.txt"
                + "?sv=2021-08-06&sp=rl&sig=REDACTED")
        #expect(objects[1]["mapped"] as? Bool == false)
        #expect(objects[1]["remote"] is NSNull)
        #expect(objects[2]["remote"] as? String == "k")
        #expect(
            objects[2]["url"] as? String
                == "http://127.0.0.1:10000/devstoreaccount1/other/k?sv=2021-08-06&sp=rl&sig=REDACTED")
        #expect(!result.standardOutput.contains("abc%2Bdef"))
    }

    @Test func textOutputAndConfigurationSelectedWithDashC() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try EnvironmentConfigurationTests.writeLayout(in: directory)
        try directory.write(
            "- {local: ckpt, remote: runs/1, cache: /tmp/ck, storage_account: other}\n", to: "aux_data/azfuse/run1.yaml"
        )
        let result = try CommandRunner.run(
            ["-c", "run1", "resolve", "ckpt/m.pt"], environment: ["AZFUSE_USE_FUSE": "1"],
            currentFolder: directory.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("blob: runs/1/m.pt"))
        #expect(result.standardOutput.contains("cache: /tmp/ck/m.pt"))
        #expect(!result.standardOutput.contains("abc%2Bdef"))
    }

    @Test func badConfigurationIsOneLineAndExitCodeTwo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let mapping = try directory.write("- local: [unterminated\n", to: "aux_data/configs/azfuse.yaml")
        let result = try CommandRunner.run(
            ["resolve", "data/x"], environment: ["AZFUSE_USE_FUSE": "1"], currentFolder: directory.path)
        #expect(result.status == 2)
        #expect(result.standardOutput.isEmpty)
        let errorLines = result.standardError.split(separator: "\n")
        #expect(errorLines.count == 1)
        #expect(result.standardError.contains(mapping))
    }

    /// The signature is hidden however the SAS spells its name: upper case, percent-encoded, first or last.
    @Test(arguments: ["?SIG=SECRET1&sv=2021-08-06", "?sv=2021-08-06&%73ig=SECRET1&sp=r", "?sv=1&Sig=SECRET1"])
    func hidesTheSignatureHoweverItIsSpelled(_ sas: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try EnvironmentConfigurationTests.writeLayout(in: directory)
        try directory.write(
            "account_name: accountname\nsas_token: '\(sas)'\ncontainer_name: containername\n",
            to: "aux_data/storage_account/storage_config_name.yaml")
        for arguments in [["resolve", "data/a.txt"], ["resolve", "--json", "data/a.txt"]] {
            let result = try CommandRunner.run(
                arguments, environment: ["AZFUSE_USE_FUSE": "1"], currentFolder: directory.path)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput.contains("=REDACTED"), "\(result.standardOutput)")
            #expect(!result.standardOutput.contains("SECRET1"), "\(result.standardOutput)")
        }
    }

    @Test func usageErrorsExitTwo() throws {
        for arguments in [["resolve"], ["resolve", "--bogus", "x"], ["nonsense"], []] {
            let result = try CommandRunner.run(arguments, environment: [:], currentFolder: "/")
            #expect(result.status == 2, "\(arguments)")
            #expect(!result.standardError.isEmpty)
        }
        let help = try CommandRunner.run(["resolve", "--help"], environment: [:], currentFolder: "/")
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("usage: azfuse resolve"))
    }
}
