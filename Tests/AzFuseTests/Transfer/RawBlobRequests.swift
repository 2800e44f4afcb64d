import Foundation

@testable import AzFuse
@testable import AzFuseBlobClient

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Requests the public API never sends, signed with the internal Shared Key signer: for setting up bad states.
enum RawBlobRequests {
    /// Stores `body` as a blob, whatever its name, with `storedMD5` as its stored Content-MD5 when given (whatever
    /// the content). `.` and `..` segments are sent percent-encoded, because URLSession would otherwise resolve them
    /// before sending (the emulator decodes them back).
    static func putBlob(
        emulator: BlobEmulator, container: String, blob: String, body: Data, storedMD5: String? = nil
    ) async throws {
        let segments = PercentEncoding.encodePath(blob).split(separator: "/", omittingEmptySubsequences: false).map {
            $0 == "." ? "%2E" : $0 == ".." ? "%2E%2E" : String($0)
        }
        let url = URL(string: "\(emulator.endpoint.absoluteString)/\(container)/" + segments.joined(separator: "/"))!
        var headers = [
            "x-ms-version": BlobService.serviceVersion, "x-ms-date": HTTPDate.rfc1123(Date()),
            "x-ms-blob-type": "BlockBlob", "Content-Length": String(body.count),
        ]
        if let storedMD5 { headers["x-ms-blob-content-md5"] = storedMD5 }
        let signer = try SharedKeySigner(accountName: BlobEmulator.accountName, base64Key: BlobEmulator.accountKey)
        headers["Authorization"] = signer.authorization(method: "PUT", url: url, headers: headers)
        var request = URLRequest(url: url)
        request.httpMethod = "PUT"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (_, response) = try await URLSession.shared.upload(for: request, from: body)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 201 else { throw EmulatorError("raw Put Blob of '\(blob)' answered HTTP \(status)") }
    }
}
