import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

/// Page-level listing: markers and page sizes.
@Suite(.serialized) struct BlobClientPagingTests {
    @Test func pagesCarryMarkersUntilTheLastPage() async throws {
        try await BlobEmulator.withEmulator { emulator in
            let client = try await emulator.makeClient()
            try TestFiles.writeRandom(emulator.localPath("f"), size: 1)
            let names = (0..<7).map { "p/\($0)" }
            for name in names {
                _ = try await client.upload(from: emulator.localPath("f"), to: name)
            }
            var seen: [String] = []
            var marker: String?
            var pages = 0
            repeat {
                let page = try await client.listPage(prefix: "p/", delimiter: nil, marker: marker, maxResults: 3)
                #expect(page.entries.count <= 3)
                seen += page.entries.map(\.name)
                marker = page.nextMarker
                pages += 1
            } while marker != nil
            #expect(pages == 3)
            #expect(seen == names)
        }
    }
}
