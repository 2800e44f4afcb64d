import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

/// Checks the Shared Key signer and SAS minting against vectors produced by the real Azure Python SDK
/// (`Tests/AzFuseTests/Fixtures/signing-vectors.json`, or the file named by `AZFUSE_SIGNING_VECTORS`).
@Suite struct SigningVectorTests {
    struct Vectors: Decodable {
        struct SharedKeyCase: Decodable {
            var name: String
            var method: String
            var url: String
            var headers: [String: String]
            var stringToSign: String
            var authorization: String
        }

        struct SASCase: Decodable {
            var name: String
            var resource: String
            var container: String
            var blob: String?
            var permission: String
            var start: String?
            var expiry: String
            var `protocol`: String?
            var ip: String?
            var version: String
            var token: String
            var stringToSign: String
        }

        var account: String
        var accountKey: String
        var sharedKey: [SharedKeyCase]
        var sas: [SASCase]
    }

    static func loadVectors(filePath: String = #filePath) throws -> Vectors {
        let path =
            ProcessInfo.processInfo.environment["AZFUSE_SIGNING_VECTORS"]
            ?? URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/signing-vectors.json").path
        return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func sharedKeyMatchesSDKVectors() throws {
        let vectors = try Self.loadVectors()
        #expect(!vectors.sharedKey.isEmpty)
        let signer = try SharedKeySigner(accountName: vectors.account, base64Key: vectors.accountKey)
        for vector in vectors.sharedKey {
            let url = try #require(URL(string: vector.url))
            let stringToSign = signer.stringToSign(method: vector.method, url: url, headers: vector.headers)
            #expect(stringToSign == vector.stringToSign, "\(vector.name)")
            let authorization = signer.authorization(method: vector.method, url: url, headers: vector.headers)
            #expect(authorization == vector.authorization, "\(vector.name)")
        }
    }

    @Test func serviceSASMatchesSDKVectors() throws {
        let vectors = try Self.loadVectors()
        #expect(!vectors.sas.isEmpty)
        let signer = try SharedKeySigner(accountName: vectors.account, base64Key: vectors.accountKey)
        for vector in vectors.sas {
            let resource: ServiceSAS.Resource =
                vector.resource == "b"
                ? .blob(container: vector.container, name: vector.blob ?? "") : .container(vector.container)
            let sas = ServiceSAS(
                resource: resource, permissions: vector.permission, start: vector.start, expiry: vector.expiry,
                allowedProtocol: vector.protocol, allowedIP: vector.ip, version: vector.version)
            #expect(sas.stringToSign(accountName: vectors.account) == vector.stringToSign, "\(vector.name)")
            #expect(sas.token(signedWith: signer) == vector.token, "\(vector.name)")
        }
    }

    @Test func permissionsAreWrittenInCanonicalOrder() {
        #expect(BlobSASPermissions([.list, .read, .write]).description == "rwl")
        #expect(BlobSASPermissions.all.description == "racwdl")
    }

    @Test func headerOrderIgnoresDashesFirstLikeTheSDK() {
        let names = ["x-ms-meta-ab", "x-ms-meta-a_b", "x-ms-meta-A-c", "x-ms-date", "x-ms-blob-type"]
        let sorted = names.map { $0.lowercased() }.sorted { StorageHeaderOrder.compare($0, $1) < 0 }
        #expect(sorted == ["x-ms-blob-type", "x-ms-date", "x-ms-meta-a_b", "x-ms-meta-ab", "x-ms-meta-a-c"])
    }

    @Test func blobNamesAreEncodedPerSegment() {
        #expect(PercentEncoding.encodePath("dir/a b%?#é.txt") == "dir/a%20b%25%3F%23%C3%A9.txt")
        #expect(PercentEncoding.decode("a%20b%zz") == "a b%zz")
    }
}
