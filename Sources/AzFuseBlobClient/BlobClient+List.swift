extension BlobClient {
    /// The most entries the service returns per List Blobs page.
    static let maximumPageSize = 5000

    /// Lists blobs whose names start with `prefix`, following every page.
    ///
    /// - Parameters:
    ///   - prefix: The name prefix; empty for the whole container.
    ///   - delimiter: When set (usually `/`), names continuing past the delimiter are folded into
    ///     ``BlobListEntry/prefix(_:)`` entries, like directories.
    /// - Returns: Blobs (with properties and metadata) and prefixes, in the service's (lexical) order.
    /// - Throws: `BlobError` (`.notFound` when the container does not exist).
    package func list(prefix: String = "", delimiter: String? = nil) async throws -> [BlobListEntry] {
        var entries: [BlobListEntry] = []
        var marker: String?
        repeat {
            let page = try await listPage(
                prefix: prefix, delimiter: delimiter, marker: marker, maxResults: Self.maximumPageSize)
            entries += page.entries
            marker = page.nextMarker
        } while marker != nil
        return entries
    }

    /// Fetches one List Blobs page.
    func listPage(prefix: String, delimiter: String?, marker: String?, maxResults: Int) async throws
        -> ListBlobsParser.Page
    {
        var request = BlobRequest(operation: "List Blobs", method: "GET", blobName: nil)
        request.query = [("restype", "container"), ("comp", "list")]
        if !prefix.isEmpty { request.query.append(("prefix", prefix)) }
        if let delimiter { request.query.append(("delimiter", delimiter)) }
        if let marker { request.query.append(("marker", marker)) }
        request.query += [("maxresults", String(maxResults)), ("include", "metadata")]
        let response = try await service.send(request)
        do {
            return try ListBlobsParser.parse(response.body)
        } catch var error as BlobError {
            error.blob = service.location(nil)
            throw error
        }
    }
}
