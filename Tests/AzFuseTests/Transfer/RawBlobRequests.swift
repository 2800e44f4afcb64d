import Foundation

@testable import AzFuse

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Requests the public API never sends, signed with the internal Shared Key signer: for setting up bad states.
enum RawBlobRequests {
    /// Stores `body` as a blob whose stored Content-MD5 is `storedMD5`, whatever the content.
    static func putBlob(emulator: BlobEmulator, container: String, blob: String, body: Data, storedMD5: String)
        async throws
    {
        let url = URL(string: "\(emulator.endpoint.absoluteString)/\(container)/\(PercentEncoding.encodePath(blob))")!
        var headers = [
            "x-ms-version": BlobService.serviceVersion, "x-ms-date": HTTPDate.rfc1123(Date()),
            "x-ms-blob-type": "BlockBlob", "x-ms-blob-content-md5": storedMD5, "Content-Length": String(body.count),
        ]
        let signer = try SharedKeySigner(accountName: BlobEmulator.accountName, base64Key: BlobEmulator.accountKey)
        headers["Authorization"] = signer.authorization(method: "PUT", url: url, headers: headers)
        var request = URLRequest(url: url)
        request.httpMethod = "PUT"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (_, response) = try await URLSession.shared.upload(for: request, from: body)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 201 else { throw EmulatorError("raw Put Blob answered HTTP \(status)") }
    }
}
