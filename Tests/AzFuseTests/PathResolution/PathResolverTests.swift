import Foundation
import Testing

@testable import AzFuse

/// Path mapping cases taken from azfuse's algorithm (abspath at call time, whole-component prefixes, first match
/// wins) plus the cases where AzFuse deliberately differs (normalized remote and cache prefixes, byte-exact matching).
@Suite struct PathResolverTests {
    static let account = StorageAccount(
        accountName: "acct", containerName: "box", sasToken: "sv=2021-08-06&sp=r&sig=SECRET",
        endpoint: URL(string: "http://127.0.0.1:10000/acct")!)

    static let configuration = AzFuseConfiguration(
        mounts: [
            Mount(local: "data", remote: "azfuse_data", cache: "/c/data", storageAccount: "main"),
            Mount(local: "models", remote: "models/", cache: "/c/models/", storageAccount: "main"),
            Mount(local: "data/sub", remote: "sub", cache: "/c/sub", storageAccount: "main"),
            Mount(local: "/abs/root", remote: "", cache: "~/cache/root", storageAccount: "main"),
            Mount(local: "deep/./x//y/", remote: "/lead/./ing//slash/", cache: "relcache", storageAccount: "main"),
            Mount(local: "caf\u{E9}", remote: "nfc", cache: "/c/nfc", storageAccount: "main"),
        ],
        storageAccounts: ["main": account])

    static func resolver() throws -> PathResolver {
        try PathResolver(configuration: configuration, baseFolder: "/w", homeFolder: "/home/u")
    }

    /// (input, current directory, expected blob name or nil for unmapped, expected cache file)
    static let cases: [(String, String, String?, String?)] = [
        ("data/abc.txt", "/w", "azfuse_data/abc.txt", "/c/data/abc.txt"),
        ("./data/x/../y/z.txt", "/w", "azfuse_data/y/z.txt", "/c/data/y/z.txt"),
        ("/w/data/abc.txt", "/w", "azfuse_data/abc.txt", "/c/data/abc.txt"),
        ("data//abc.txt", "/w", "azfuse_data/abc.txt", "/c/data/abc.txt"),
        ("data/./abc.txt", "/w", "azfuse_data/abc.txt", "/c/data/abc.txt"),
        ("data/abc.txt/", "/w", "azfuse_data/abc.txt", "/c/data/abc.txt"),
        ("data", "/w", "azfuse_data", "/c/data"),
        ("data/", "/w", "azfuse_data", "/c/data"),
        ("datax/a", "/w", nil, nil),
        ("/abs/none", "/w", nil, nil),
        ("models/m.pt", "/w", "models/m.pt", "/c/models/m.pt"),
        ("models/sub/dir/m.pt", "/w", "models/sub/dir/m.pt", "/c/models/sub/dir/m.pt"),
        ("models", "/w", "models", "/c/models"),
        ("models/", "/w", "models", "/c/models"),
        ("data/sub/q.txt", "/w", "azfuse_data/sub/q.txt", "/c/data/sub/q.txt"),
        ("../w/data/abc.txt", "/w", "azfuse_data/abc.txt", "/c/data/abc.txt"),
        ("/w/../w/data/a", "/w", "azfuse_data/a", "/c/data/a"),
        ("/../../w/data/a", "/w", "azfuse_data/a", "/c/data/a"),
        ("/abs/root/file.bin", "/w", "file.bin", "/home/u/cache/root/file.bin"),
        ("/abs/root/a/b/c", "/w", "a/b/c", "/home/u/cache/root/a/b/c"),
        ("/abs/rootx", "/w", nil, nil),
        ("/abs", "/w", nil, nil),
        ("deep/x/y/f", "/w", "lead/ing/slash/f", "/w/relcache/f"),
        ("deep/x/y", "/w", "lead/ing/slash", "/w/relcache"),
        ("deep/x", "/w", nil, nil),
        ("caf\u{E9}/a", "/w", "nfc/a", "/c/nfc/a"),
        ("cafe\u{301}/a", "/w", nil, nil),
        (
            "data/\u{FC}n\u{EF} c\u{F8}d\u{E9}.txt", "/w", "azfuse_data/\u{FC}n\u{EF} c\u{F8}d\u{E9}.txt",
            "/c/data/\u{FC}n\u{EF} c\u{F8}d\u{E9}.txt"
        ),
        (
            "data/with space/q?x#f%25.txt", "/w", "azfuse_data/with space/q?x#f%25.txt",
            "/c/data/with space/q?x#f%25.txt"
        ),
        ("data/.hidden", "/w", "azfuse_data/.hidden", "/c/data/.hidden"),
        ("data/..hidden", "/w", "azfuse_data/..hidden", "/c/data/..hidden"),
        ("data/...", "/w", "azfuse_data/...", "/c/data/..."),
        ("data/a/../../data/b", "/w", "azfuse_data/b", "/c/data/b"),
        ("data/../etc/passwd", "/w", nil, nil),
        ("data/../models/m", "/w", "models/m", "/c/models/m"),
        ("//w//data//x", "/w", "azfuse_data/x", "/c/data/x"),
        ("DATA/abc.txt", "/w", nil, nil),
        ("data\\abc.txt", "/w", nil, nil),
        ("abc.txt", "/w/data", "azfuse_data/abc.txt", "/c/data/abc.txt"),
        ("../models/m.pt", "/w/data", "models/m.pt", "/c/models/m.pt"),
        ("w/data/q", "/", "azfuse_data/q", "/c/data/q"),
        ("/w/data/a:b*c", "/w", "azfuse_data/a:b*c", "/c/data/a:b*c"),
        ("data/x/./y/./z", "/w", "azfuse_data/x/y/z", "/c/data/x/y/z"),
        ("/w/models/../data/k", "/w", "azfuse_data/k", "/c/data/k"),
        ("sub/q.txt", "/w/data", "azfuse_data/sub/q.txt", "/c/data/sub/q.txt"),
    ]

    @Test func mapsTheTableOfCases() throws {
        #expect(Self.cases.count >= 40)
        let resolver = try Self.resolver()
        for (input, directory, blobName, cachePath) in Self.cases {
            let resolved = try resolver.resolve(input, currentFolder: directory)
            #expect(resolved.blob?.blobName == blobName, "blob name of \(input) in \(directory)")
            #expect(resolved.blob?.cachePath == cachePath, "cache path of \(input) in \(directory)")
            #expect(resolved.path == input)
        }
    }

    @Test func givesAccountContainerAndEncodedURL() throws {
        let resolved = try Self.resolver().resolve("data/with space/q?x#f%25.txt", currentFolder: "/w")
        let blob = try #require(resolved.blob)
        #expect(blob.storageAccountName == "main")
        #expect(blob.container == "box")
        #expect(blob.cacheRoot == "/c/data")
        #expect(blob.relativePath == "with space/q?x#f%25.txt")
        #expect(
            blob.url.absoluteString == "http://127.0.0.1:10000/acct/box/azfuse_data/with%20space/q%3Fx%23f%2525.txt")
        let unicode = try Self.resolver().resolve("caf\u{E9}/\u{FC}", currentFolder: "/w")
        #expect(unicode.blob?.url.absoluteString == "http://127.0.0.1:10000/acct/box/nfc/%C3%BC")
    }

    @Test func disabledConfigurationMapsNothing() throws {
        var configuration = Self.configuration
        configuration.isEnabled = false
        let resolver = try PathResolver(configuration: configuration, baseFolder: "/w", homeFolder: "/h")
        let resolved = try resolver.resolve("data/abc.txt", currentFolder: "/w")
        #expect(resolved.blob == nil)
        #expect(resolved.absolutePath == "/w/data/abc.txt")
    }

    @Test func rootMountMatchesEverything() throws {
        let configuration = AzFuseConfiguration(
            mounts: [Mount(local: "/", remote: "all", cache: "/c/all", storageAccount: "main")],
            storageAccounts: ["main": Self.account])
        let resolver = try PathResolver(configuration: configuration, baseFolder: "/w", homeFolder: "/h")
        #expect(try resolver.resolve("x/y", currentFolder: "/w").blob?.blobName == "all/w/x/y")
        #expect(try resolver.resolve("/", currentFolder: "/w").blob?.cachePath == "/c/all")
    }

    @Test func rejectsBadInputAndBadMounts() throws {
        let resolver = try Self.resolver()
        #expect(throws: AzFuseError.self) { try resolver.resolve("", currentFolder: "/w") }
        #expect(throws: AzFuseError.self) { try resolver.resolve("data/a\u{0}b", currentFolder: "/w") }
        let long = "data/" + String(repeating: "x", count: 1100)
        let error = try #require(throws: AzFuseError.self) { try resolver.resolve(long, currentFolder: "/w") }
        #expect(error.code == .pathOutsideMount)

        for mount in [
            Mount(local: "d", remote: "../up", cache: "/c/d", storageAccount: "main"),
            Mount(local: "d", remote: "r", cache: "/", storageAccount: "main"),
            Mount(local: "", remote: "r", cache: "/c", storageAccount: "main"),
            Mount(local: "d", remote: "r", cache: "/c", storageAccount: "missing"),
        ] {
            let configuration = AzFuseConfiguration(mounts: [mount], storageAccounts: ["main": Self.account])
            let error = try #require(throws: AzFuseError.self) {
                try PathResolver(configuration: configuration, baseFolder: "/w", homeFolder: "/h")
            }
            #expect(error.code == .invalidConfiguration)
        }
    }

    /// Whatever the path, a mapped cache file lies inside its mount's cache folder.
    @Test func cachePathNeverLeavesTheCacheFolder() throws {
        let resolver = try Self.resolver()
        let pieces = ["data", "..", ".", "", "models", "x", "...", "..hidden", "abs", "root", "w", "/", "caf\u{E9}"]
        var generator = SplitMix64(seed: 42)
        for _ in 0..<5000 {
            let count = Int(generator.next() % 9) + 1
            let path = (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }
                .joined(separator: "/")
            guard !path.isEmpty, let blob = try resolver.resolve(path, currentFolder: "/w").blob else { continue }
            #expect(blob.cachePath == blob.cacheRoot || blob.cachePath.hasPrefix(blob.cacheRoot + "/"), "\(path)")
            #expect(!blob.blobName.split(separator: "/").contains(".."), "\(path)")
            #expect(!blob.blobName.hasPrefix("/") && !blob.blobName.contains("//"), "\(path)")
        }
    }
}
