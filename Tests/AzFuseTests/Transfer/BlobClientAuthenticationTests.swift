import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// SAS-authenticated clients, bad SAS tokens, and secrets kept out of errors.
@Suite(.serialized) struct BlobClientAuthenticationTests {
    /// Creates a container with a blob in it, and returns the key client.
    private func prepare(_ emulator: BlobEmulator) async throws -> BlobClient {
        let client = try await emulator.makeClient()
        try TestFiles.writeRandom(emulator.localPath("in"), size: 2000)
        _ = try await client.upload(from: emulator.localPath("in"), to: "dir/blob")
        return client
    }

    private func sasClient(_ emulator: BlobEmulator, _ keyClient: BlobClient, token: String) throws -> BlobClient {
        try BlobClient(
            account: emulator.account(container: keyClient.account.containerName, sasToken: token, key: false),
            configuration: BlobEmulator.fastConfiguration)
    }

    @Test func clientWithMintedContainerSASWorks() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let keyClient = try await prepare(emulator)
            let token = try keyClient.makeContainerSAS(permissions: "racwdl", expiresOn: Date() + 600)
            let client = try sasClient(emulator, keyClient, token: token)
            try await emulator.clearRequests()
            #expect(try await client.list(prefix: "dir/").map(\.name) == ["dir/blob"])
            _ = try await client.download("dir/blob", to: emulator.localPath("out"))
            _ = try await client.upload(from: emulator.localPath("in"), to: "dir/second")
            try await client.delete("dir/second")
            let kinds = Set(try await emulator.requests().compactMap(\.auth))
            #expect(kinds.allSatisfy { $0.lowercased().contains("sas") }, "\(kinds)")
        }
    }

    @Test func blobSASReadsItsBlobOnly() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let keyClient = try await prepare(emulator)
            let token = try keyClient.makeBlobSAS(
                for: "dir/blob", permissions: "r", expiresOn: Date() + 600, startsOn: Date() - 60)
            let client = try sasClient(emulator, keyClient, token: token)
            #expect(try await client.properties(of: "dir/blob").size == 2000)
            let error = await #expect(throws: BlobError.self) { try await client.properties(of: "dir/other") }
            #expect(error?.code == .authenticationFailed)
        }
    }

    @Test func tamperedExpiredAndUnderPrivilegedSASFailWithTheRightCodes() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let keyClient = try await prepare(emulator)
            let good = try keyClient.makeContainerSAS(permissions: "rl", expiresOn: Date() + 600)

            let tampered = good.replacingOccurrences(of: "sp=rl", with: "sp=racwdl")
            let tamperedError = await #expect(throws: BlobError.self) {
                try await sasClient(emulator, keyClient, token: tampered).properties(of: "dir/blob")
            }
            #expect(tamperedError?.code == .authenticationFailed)
            #expect(tamperedError?.httpStatus == 403)

            let expired = try keyClient.makeContainerSAS(
                permissions: "racwdl", expiresOn: Date() - 60, startsOn: Date() - 3600)
            let expiredError = await #expect(throws: BlobError.self) {
                try await sasClient(emulator, keyClient, token: expired).list()
            }
            #expect(expiredError?.code == .authenticationFailed)

            try TestFiles.writeRandom(emulator.localPath("w"), size: 10)
            let readOnly = try sasClient(emulator, keyClient, token: good)
            let writeError = await #expect(throws: BlobError.self) {
                try await readOnly.upload(from: emulator.localPath("w"), to: "dir/new")
            }
            #expect(writeError?.code == .permissionDenied)
            #expect(writeError?.azureErrorCode == "AuthorizationPermissionMismatch")
        }
    }

    @Test func errorsNeverContainTheSignatureOrTheKey() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let keyClient = try await prepare(emulator)
            let token = try keyClient.makeContainerSAS(permissions: "r", expiresOn: Date() + 600)
            let signature = try #require(token.split(separator: "&").first { $0.hasPrefix("sig=") }).dropFirst(4)
            let client = try sasClient(emulator, keyClient, token: token)
            let failures: [BlobError?] = [
                await #expect(throws: BlobError.self) { try await client.properties(of: "missing") },
                await #expect(throws: BlobError.self) { try await client.delete("dir/blob") },
                await #expect(throws: BlobError.self) {
                    try await sasClient(emulator, keyClient, token: token + "x").list()
                },
            ]
            let keyFailure = await #expect(throws: BlobError.self) { try await keyClient.properties(of: "missing") }
            for error in failures + [keyFailure] {
                let text = try #require(error).description + String(describing: error?.underlying)
                #expect(!text.contains(signature))
                #expect(!text.contains(PercentEncoding.decode(String(signature))))
                #expect(!text.contains(BlobEmulator.accountKey))
                #expect(!text.contains("SharedKey "))
            }
        }
    }

    @Test func mintingWithoutAKeyIsUnsupported() throws {
        let account = StorageAccount(accountName: "a", containerName: "c", sasToken: "sv=1&sig=abc")
        let client = try BlobClient(account: account)
        let error = #expect(throws: BlobError.self) {
            try client.makeBlobSAS(for: "b", permissions: "r", expiresOn: Date() + 60)
        }
        #expect(error?.code == .unsupported)
        let url = try client.authorizedURL(forBlobPrefix: "dir/sub dir/", permissions: "r")
        #expect(url.absoluteString == "https://a.blob.core.windows.net/c/dir/sub%20dir/?sv=1&sig=abc")
        let anonymous = try BlobClient(account: StorageAccount(accountName: "a", containerName: "c"))
        #expect(throws: BlobError.self) { try anonymous.authorizedURL(forBlobPrefix: "", permissions: "r") }
    }

    @Test func authorizedURLWorksForTheContainer() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let keyClient = try await prepare(emulator)
            let url = try keyClient.authorizedURL(forBlobPrefix: "", permissions: "rl")
            #expect(url.query?.contains("sr=c") == true)
            #expect(url.query?.contains("sp=rl") == true)
            let listURL = URL(string: url.absoluteString + "&restype=container&comp=list")!
            let (_, response) = try await URLSession.shared.data(from: listURL)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
        }
    }
}
