import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Parses one List Blobs response page (`<EnumerationResults>`) into entries and the next marker.
final class ListBlobsParser: NSObject, XMLParserDelegate {
    /// One parsed page.
    struct Page: Sendable {
        /// Blobs and prefixes, in service order.
        var entries: [BlobListEntry]
        /// The marker for the next page, or `nil` on the last page.
        var nextMarker: String?
    }

    private var entries: [BlobListEntry] = []
    private var nextMarker: String?
    private var path: [String] = []
    private var text = ""
    private var name = ""
    private var fields: [String: String] = [:]
    private var metadata: [String: String] = [:]

    /// Parses `data`.
    ///
    /// - Throws: `BlobError` `.serviceError` when the XML is malformed.
    static func parse(_ data: Data) throws -> Page {
        let delegate = ListBlobsParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else {
            throw BlobError(.serviceError, "List Blobs returned a response that is not valid XML")
        }
        return Page(entries: delegate.entries, nextMarker: delegate.nextMarker)
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        path.append(elementName)
        text = ""
        if elementName == "Blob" || elementName == "BlobPrefix" {
            name = ""
            fields = [:]
            metadata = [:]
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
    ) {
        path.removeLast()
        let parent = path.last ?? ""
        switch (parent, elementName) {
        case ("Blob", "Name"), ("BlobPrefix", "Name"):
            name = text
        case ("Properties", _):
            fields[elementName] = text
        case ("Metadata", _):
            metadata[elementName] = text
        case ("EnumerationResults", "NextMarker"):
            nextMarker = text.isEmpty ? nil : text
        case (_, "Blob"):
            entries.append(.blob(name: name, properties: blobProperties()))
        case (_, "BlobPrefix"):
            entries.append(.prefix(name))
        default:
            break
        }
        text = ""
    }

    /// Listings report ETags bare (`0x8D...`) while blob responses quote them (`"0x8D..."`): use the quoted form.
    private static func quoted(_ etag: String) -> String {
        etag.isEmpty || etag.hasPrefix("\"") ? etag : "\"\(etag)\""
    }

    private func blobProperties() -> BlobProperties {
        BlobProperties(
            size: fields["Content-Length"].flatMap { Int64($0) } ?? 0,
            etag: Self.quoted(fields["Etag"] ?? ""),
            lastModified: fields["Last-Modified"].flatMap(HTTPDate.parseRFC1123),
            contentMD5: fields["Content-MD5"].flatMap { $0.isEmpty ? nil : $0 },
            contentType: fields["Content-Type"].flatMap { $0.isEmpty ? nil : $0 },
            metadata: metadata,
            accessTier: fields["AccessTier"]
        )
    }
}
