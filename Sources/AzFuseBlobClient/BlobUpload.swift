import Foundation

/// One upload of a local file to a block blob, with the whole file's MD5 stored as the blob's `Content-MD5`.
///
/// Files up to ``BlobClient/Configuration/singleUploadThreshold`` go up in one Put Blob; larger ones as parallel
/// Put Block requests and a final Put Block List. The file is read in chunks, so memory stays near
/// `parallelism × uploadBlockSize` whatever its size.
struct BlobUpload: Sendable {
    /// The most blocks a block blob can have.
    static let maximumBlockCount = 50_000

    let service: BlobService
    let file: String
    let blobName: String
    let contentType: String?
    let metadata: [String: String]
    /// A lease held on the blob, sent with every request (a blob with an active lease refuses writes without it).
    var leaseID: String? = nil

    /// Runs the upload and returns the new blob's properties.
    ///
    /// A concurrent upload of the same blob that commits first discards this upload's uncommitted blocks (Put Block
    /// List then fails with `InvalidBlockList`); the upload then starts over with new block IDs, a few times.
    func run() async throws -> BlobProperties {
        var attempt = 1
        while true {
            do {
                return try await runOnce()
            } catch let error as BlobError where error.azureErrorCode == "InvalidBlockList" && attempt < 4 {
                attempt += 1
            }
        }
    }

    private func runOnce() async throws -> BlobProperties {
        do {
            let reader = try SequentialFileReader(path: file)
            if reader.size <= Int64(service.configuration.singleUploadThreshold) {
                return try await putWhole(reader)
            }
            return try await putInBlocks(reader)
        } catch var error as BlobError {
            if error.path == nil { error.path = file }
            throw error
        }
    }

    private func putWhole(_ reader: SequentialFileReader) async throws -> BlobProperties {
        let data = try await reader.readNext(Int(reader.size))
        let md5 = try reader.finishedMD5()
        var request = BlobRequest(operation: "Put Blob", method: "PUT", blobName: blobName, body: data)
        request.headers = blobHeaders(md5: md5)
        request.headers["x-ms-blob-type"] = "BlockBlob"
        request.headers["Content-MD5"] = md5
        if let leaseID { request.headers["x-ms-lease-id"] = leaseID }
        let response = try await service.send(request)
        return properties(from: response, size: reader.size, md5: md5)
    }

    private func putInBlocks(_ reader: SequentialFileReader) async throws -> BlobProperties {
        let minimumBlockSize = (reader.size + Int64(Self.maximumBlockCount) - 1) / Int64(Self.maximumBlockCount)
        let blockSize = Int(max(Int64(service.configuration.uploadBlockSize), minimumBlockSize))
        let blockCount = Int((reader.size + Int64(blockSize) - 1) / Int64(blockSize))
        let prefix = Self.newBlockIDPrefix()
        let blockIDs = (0..<blockCount).map { Self.blockID(prefix: prefix, index: $0) }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, blockID) in blockIDs.enumerated() {
                if index >= service.configuration.parallelism {
                    try await group.next()
                }
                let data = try await reader.readNext(blockSize)
                group.addTask {
                    var request = BlobRequest(operation: "Put Block", method: "PUT", blobName: blobName, body: data)
                    request.query = [("comp", "block"), ("blockid", blockID)]
                    if let leaseID { request.headers["x-ms-lease-id"] = leaseID }
                    _ = try await service.send(request)
                }
            }
            try await group.waitForAll()
        }

        let md5 = try reader.finishedMD5()
        let list = blockIDs.map { "<Latest>\($0)</Latest>" }.joined()
        let body = Data("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>\(list)</BlockList>".utf8)
        var request = BlobRequest(operation: "Put Block List", method: "PUT", blobName: blobName, body: body)
        request.query = [("comp", "blocklist")]
        request.headers = blobHeaders(md5: md5)
        if let leaseID { request.headers["x-ms-lease-id"] = leaseID }
        let response = try await service.send(request)
        return properties(from: response, size: reader.size, md5: md5)
    }

    /// A random prefix shared by the block IDs of one upload: concurrent uploads of one blob (other tasks, other
    /// processes) never overwrite each other's uncommitted blocks, so the committed blob is exactly one upload.
    static func newBlockIDPrefix() -> String {
        let digits = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Block IDs must all have the same length: base64 of `azfuse-<16 hex digits>-<8 digits>`.
    static func blockID(prefix: String, index: Int) -> String {
        let number = String(index)
        let padded = String(repeating: "0", count: max(0, 8 - number.count)) + number
        return Data("azfuse-\(prefix)-\(padded)".utf8).base64EncodedString()
    }

    private func blobHeaders(md5: String) -> [String: String] {
        var headers = ["x-ms-blob-content-md5": md5]
        if let contentType { headers["x-ms-blob-content-type"] = contentType }
        for (name, value) in metadata {
            headers["x-ms-meta-\(name)"] = value
        }
        return headers
    }

    private func properties(from response: HTTPResponse, size: Int64, md5: String) -> BlobProperties {
        BlobProperties(
            size: size,
            etag: response.header("ETag") ?? "",
            lastModified: response.header("Last-Modified").flatMap(HTTPDate.parseRFC1123),
            contentMD5: md5,
            contentType: contentType ?? "application/octet-stream",
            metadata: metadata
        )
    }
}
