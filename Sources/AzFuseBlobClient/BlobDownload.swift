import AzFuseSystem
import Foundation

/// One download of a blob to a local file.
///
/// The body streams into a temporary file next to the destination (`.<name>.azfuse-<random>.part`), or in a given
/// staging folder on the same file system, which is renamed
/// into place only once its length, and its MD5 when the blob has one, check out. The first ranged GET learns the
/// size and ETag; the other ranges are fetched in parallel, pinned with `If-Match`. When the blob changes meanwhile
/// (HTTP 412) the download starts over, a bounded number of times. The temporary file is removed on any error and on
/// cancellation.
struct BlobDownload: Sendable {
    let service: BlobService
    let blobName: String
    let destination: String
    /// Where the temporary file goes; `nil` means next to the destination. It must be on the destination's file
    /// system.
    var temporaryDirectory: String? = nil

    private var chunkSize: Int64 { Int64(service.configuration.downloadChunkSize) }

    /// Runs the download and returns the blob's properties as read.
    func run() async throws -> BlobProperties {
        let temporaryPath =
            temporaryDirectory.map { $0 + "/" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + ".part" }
            ?? Self.temporaryPath(for: destination)
        let descriptor = try FileIO.createExclusive(temporaryPath)
        var isOpen = true
        do {
            var restarts = 0
            var properties: BlobProperties
            while true {
                do {
                    properties = try await fetch(into: descriptor, path: temporaryPath)
                    break
                } catch let error as BlobError
                    where error.code == .changedWhileReading && restarts < service.configuration.maxDownloadRestarts
                {
                    restarts += 1
                    try FileIO.truncate(descriptor, to: 0, path: temporaryPath)
                }
            }
            isOpen = false
            try FileIO.close(descriptor, path: temporaryPath)
            try FileIO.rename(temporaryPath, to: destination)
            return properties
        } catch {
            if isOpen { Syscall.closeQuietly(descriptor) }
            Syscall.removeQuietly(temporaryPath)
            if Task.isCancelled, (error as? BlobError)?.code != .cancelled {
                throw BlobError(.cancelled, "Get Blob was cancelled", path: destination, blob: location)
            }
            if var error = error as? BlobError {
                if error.path == nil { error.path = destination }
                throw error
            }
            throw error
        }
    }

    private var location: BlobError.Location { service.location(blobName) }

    /// A unique hidden name in the destination's directory.
    static func temporaryPath(for destination: String) -> String {
        let url = URL(fileURLWithPath: destination)
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).azfuse-\(random).part")
            .path
    }

    private func fetch(into descriptor: Int32, path: String) async throws -> BlobProperties {
        let first = try await fetchFirstRange(into: descriptor)
        let total = first.total
        let checker = first.properties.contentMD5 == nil ? nil : ReadBackMD5(descriptor: descriptor, path: path)
        try await checker?.hashRange(offset: 0, length: min(chunkSize, total))

        let starts = Array(stride(from: chunkSize, to: total, by: Int(chunkSize)))
        try await withThrowingTaskGroup(of: Int.self) { group in
            var nextToStart = 0
            var nextToHash = 0
            var completed = Set<Int>()
            func startNext() {
                guard nextToStart < starts.count else { return }
                let index = nextToStart
                let start = starts[index]
                let length = min(chunkSize, total - start)
                group.addTask {
                    try await fetchRange(start: start, length: length, etag: first.properties.etag, into: descriptor)
                    return index
                }
                nextToStart += 1
            }
            for _ in 0..<service.configuration.parallelism { startNext() }
            while let index = try await group.next() {
                startNext()
                completed.insert(index)
                while completed.contains(nextToHash) {
                    let start = starts[nextToHash]
                    try await checker?.hashRange(offset: start, length: min(chunkSize, total - start))
                    completed.remove(nextToHash)
                    nextToHash += 1
                }
            }
        }

        let written = try FileIO.size(of: descriptor, path: path)
        guard written == total else {
            throw BlobError(
                .integrityCheckFailed, "the download has \(written) bytes but the blob has \(total)", blob: location)
        }
        if let checker, let expected = first.properties.contentMD5 {
            let actual = checker.finalize()
            guard actual == expected else {
                throw BlobError(
                    .integrityCheckFailed,
                    "the downloaded content's MD5 \(actual) differs from the blob's Content-MD5 \(expected)",
                    blob: location)
            }
        }
        return first.properties
    }

    /// Gets the first chunk, learning the size, ETag and whole-blob MD5.
    private func fetchFirstRange(into descriptor: Int32) async throws -> (properties: BlobProperties, total: Int64) {
        let chunk = chunkSize
        var request = BlobRequest(operation: "Get Blob", method: "GET", blobName: blobName)
        request.headers["x-ms-range"] = "bytes=0-\(chunk - 1)"
        request.expectedResponseBytes = chunk
        let response: HTTPResponse
        do {
            response = try await service.send(request, destination: .file(descriptor: descriptor, offset: 0)) {
                Self.firstRangeProblem($0, chunkSize: chunk)
            }
        } catch let error as BlobError where error.httpStatus == 416 {
            // A range of an empty blob is not satisfiable: fetch it whole.
            request.headers["x-ms-range"] = nil
            response = try await service.send(request, destination: .file(descriptor: descriptor, offset: 0)) {
                Self.firstRangeProblem($0, chunkSize: chunk)
            }
        }
        let total = Self.totalSize(of: response) ?? response.bytesWritten
        let md5 = response.status == 206 ? response.header("x-ms-blob-content-md5") : response.header("Content-MD5")
        return (BlobProperties(headersOf: response, size: total, wholeBlobMD5: md5), total)
    }

    private func fetchRange(start: Int64, length: Int64, etag: String, into descriptor: Int32) async throws {
        var request = BlobRequest(operation: "Get Blob", method: "GET", blobName: blobName)
        request.headers["x-ms-range"] = "bytes=\(start)-\(start + length - 1)"
        request.headers["If-Match"] = etag
        request.expectedResponseBytes = length
        _ = try await service.send(request, destination: .file(descriptor: descriptor, offset: start)) { response in
            guard response.status == 206, response.bytesWritten == length else {
                return BlobError(
                    .integrityCheckFailed,
                    "Get Blob: range at \(start) returned \(response.bytesWritten) of \(length) bytes "
                        + "(HTTP \(response.status))")
            }
            return nil
        }
    }

    /// The blob size from `Content-Range: bytes a-b/size` of a 206 response, or `nil` for a 200.
    private static func totalSize(of response: HTTPResponse) -> Int64? {
        guard response.status == 206, let range = response.header("Content-Range"),
            let slash = range.lastIndex(of: "/")
        else { return nil }
        return Int64(range[range.index(after: slash)...])
    }

    private static func firstRangeProblem(_ response: HTTPResponse, chunkSize: Int64) -> BlobError? {
        let expected: Int64?
        if response.status == 206 {
            expected = totalSize(of: response).map { min($0, chunkSize) }
        } else {
            expected = response.header("Content-Length").flatMap { Int64($0) }
        }
        guard let expected, expected == response.bytesWritten else {
            return BlobError(
                .integrityCheckFailed,
                "Get Blob returned \(response.bytesWritten) bytes, expected \(expected.map(String.init) ?? "a known length")"
            )
        }
        return nil
    }
}
