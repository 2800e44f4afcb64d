import Foundation

/// What the service reports about a blob: size, version tag, times, checksum, content type, metadata and tier.
package struct BlobProperties: Sendable, Hashable {
    /// The blob's length in bytes.
    package var size: Int64
    /// The entity tag that changes whenever the blob does, in its quoted form (`"0x8D..."`) whatever the source.
    package var etag: String
    /// When the blob was last written, if known.
    package var lastModified: Date?
    /// The base64 MD5 of the whole blob, if one is stored.
    package var contentMD5: String?
    /// The MIME type, if set.
    package var contentType: String?
    /// User metadata (`x-ms-meta-*`), names as stored.
    package var metadata: [String: String]
    /// The access tier (`Hot`, `Cool`, `Archive`...), when the service reports one.
    package var accessTier: String?

    /// Creates a property set.
    ///
    /// - Parameters:
    ///   - size: The length in bytes.
    ///   - etag: The entity tag.
    ///   - lastModified: The last write time.
    ///   - contentMD5: The base64 MD5 of the whole blob.
    ///   - contentType: The MIME type.
    ///   - metadata: User metadata.
    ///   - accessTier: The access tier.
    package init(
        size: Int64,
        etag: String,
        lastModified: Date? = nil,
        contentMD5: String? = nil,
        contentType: String? = nil,
        metadata: [String: String] = [:],
        accessTier: String? = nil
    ) {
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
        self.contentMD5 = contentMD5
        self.contentType = contentType
        self.metadata = metadata
        self.accessTier = accessTier
    }
}

extension BlobProperties {
    /// Properties from the headers of a Get Blob Properties or Get Blob response; `size` is given by the caller
    /// because a ranged response's `Content-Length` is the range's.
    init(headersOf response: HTTPResponse, size: Int64, wholeBlobMD5: String?) {
        self.init(
            size: size,
            etag: response.header("ETag") ?? "",
            lastModified: response.header("Last-Modified").flatMap(HTTPDate.parseRFC1123),
            contentMD5: wholeBlobMD5,
            contentType: response.header("Content-Type"),
            metadata: response.metadata,
            accessTier: response.header("x-ms-access-tier")
        )
    }
}
