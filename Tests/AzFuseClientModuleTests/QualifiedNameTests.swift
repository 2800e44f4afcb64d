import AzFuse
import Foundation
import Testing

/// A type of the client's own named `File`, as other packages (JohnSundell/Files, for one) declare: from here on an
/// unqualified `File` means this one, and AzFuse's must be written `AzFuse.File`.
enum File {
    static let marker = "the client's own File"
}

/// A separate module that imports AzFuse as a client package does (no `@testable`): it compiles only if
/// `AzFuse.File`, the README's advice for a clash, names the facade, so the module name must not be shadowed by a
/// type called `AzFuse`.
@Suite struct QualifiedNameTests {
    @Test func qualifiedFacadeCompilesAndReads() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("azfuse-client-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let client = try AzFuse.AzFuseClient(
            configuration: AzFuse.AzFuseConfiguration(isEnabled: false, baseFolder: folder))

        let read = try await client.withCurrent {
            try await AzFuse.File.write(Data("hello".utf8), to: "greeting.txt")
            let mode: AzFuse.OpenMode = try AzFuse.OpenMode("rb")
            let viaHandle = try await AzFuse.File.open("greeting.txt", mode) { handle in try handle.readToEnd() }
            return (try await AzFuse.File.read("greeting.txt"), viaHandle)
        }
        #expect(read.0 == Data("hello".utf8))
        #expect(read.1 == Data("hello".utf8))
        #expect(File.marker == "the client's own File", "unqualified File is the client's")
    }
}
