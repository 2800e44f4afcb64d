import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

/// The one conversion from the blob client's `BlobError` to ``AzFuseError``, and the library's entry points to the
/// client (``ContainerClient``, ``BlobClientPool``, ``LocalFile``) that apply it.
@Suite struct BlobErrorConversionTests {
    @Test(arguments: BlobError.Code.allCases)
    func everyCodeKeepsItsName(code: BlobError.Code) {
        #expect(AzFuseError.Code(code).description == code.rawValue)
    }

    @Test func everyFieldIsCarriedOver() {
        let cause = URLError(.timedOut)
        let blobError = BlobError(
            .throttled, "Get Blob failed with HTTP 503 ServerBusy", path: "/cache/f",
            blob: BlobError.Location(account: "acct", container: "box", name: "data/f"), httpStatus: 503,
            azureErrorCode: "ServerBusy", underlying: cause)
        let error = AzFuseError(blobError, path: "ignored, the client named a file")
        #expect(error.code == .throttled)
        #expect(error.message == blobError.message)
        #expect(error.path == "/cache/f")
        #expect(error.blob == AzFuseError.BlobLocation(account: "acct", container: "box", name: "data/f"))
        #expect(error.httpStatus == 503)
        #expect(error.azureErrorCode == "ServerBusy")
        #expect((error.underlying as? URLError)?.code == .timedOut)
        #expect(error.description == "\(blobError)", "both describe themselves alike")
        #expect(AzFuseError(BlobError(.notFound, "gone"), path: "data/x").path == "data/x", "the fallback path")
    }

    @Test func descriptionsRedactSecrets() {
        let blobError = BlobError(.authenticationFailed, "request to http://h/c/b?sv=1&sig=SECRET was rejected")
        #expect(!blobError.description.contains("SECRET"))
        #expect(!AzFuseError(blobError).description.contains("SECRET"))
    }

    @Test func theLibrarysEntryPointsThrowAzFuseError() throws {
        let account = StorageAccount(accountName: "a", containerName: "c", accountKey: "not base64!")
        #expect(throws: BlobError.self) { try BlobClient(account: account) }
        let poolError = try #require(throws: AzFuseError.self) { try BlobClientPool().client(for: account) }
        #expect(poolError.code == .invalidConfiguration)
        #expect(poolError.message.contains("not valid base64"))

        let anonymous = try ContainerClient(
            account: StorageAccount(accountName: "a", containerName: "c"), configuration: BlobClient.Configuration())
        let sasError = try #require(throws: AzFuseError.self) {
            try anonymous.makeBlobSAS(for: "b", permissions: .read, expiresOn: Date())
        }
        #expect(sasError.code == .unsupported)
        #expect(sasError.blob == AzFuseError.BlobLocation(account: "a", container: "c", name: ""))

        let missing = "/nonexistent-azfuse-test/file"
        let fileError = try #require(throws: AzFuseError.self) { try LocalFile.openForReading(missing) }
        #expect(fileError.code == .notFound)
        #expect(fileError.path == missing)
    }

    @Test func clientCallsThroughTheLibraryThrowAzFuseError() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            let container = try BlobClientPool(configuration: BlobEmulator.fastConfiguration)
                .client(for: client.storageAccount)
            let error = try await #require(throws: AzFuseError.self) { try await container.properties(of: "missing") }
            #expect(error.code == .notFound)
            #expect(error.httpStatus == 404)
            #expect(error.blob?.name == "missing")
            let raw = try await #require(throws: BlobError.self) { try await client.properties(of: "missing") }
            #expect(error.message == raw.message, "the client's text, unchanged")
        }
    }
}
