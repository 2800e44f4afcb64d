import Foundation

extension BlobClient {
    /// Reads bytes of a blob into memory (Get Blob with `x-ms-range`), without any cache.
    ///
    /// - Parameters:
    ///   - blob: The blob name inside the container.
    ///   - offset: The first byte to read (at least 0).
    ///   - length: How many bytes to read (at least 1).
    /// - Returns: The bytes; fewer than `length` when the blob ends first, none when `offset` is at or past its end.
    /// - Throws: `BlobError` (`.notFound` when the blob does not exist). Transient failures are retried per
    ///   ``Configuration/retry``, never forever.
    package func read(_ blob: String, offset: Int64, length: Int) async throws -> Data {
        var request = BlobRequest(operation: "Get Blob", method: "GET", blobName: blob)
        request.headers["x-ms-range"] = "bytes=\(offset)-\(offset + Int64(length) - 1)"
        request.expectedResponseBytes = Int64(length)
        let response: HTTPResponse
        do {
            response = try await service.send(request, destination: .memory(limit: max(length, 1)))
        } catch let error as BlobError where error.httpStatus == 416 {
            return Data()
        }
        return response.body
    }
}
