import Foundation
import Testing

@testable import AzFuse

/// The cache hit's shortcut resolution (``PathResolver/cacheFileForHit(_:)``) agrees with full resolution wherever
/// it answers, and declines every path that needs full resolution.
@Suite struct CacheHitResolutionTests {
    static let account = StorageAccount(
        accountName: "acct", containerName: "box", sasToken: nil, endpoint: URL(string: "http://127.0.0.1:1/acct")!)

    /// Mounts under the current directory (so relative paths map), overlapping prefixes, and a mount at the root.
    static func resolver(rootMount: Bool) throws -> PathResolver {
        var mounts = [
            Mount(local: "hit/data", remote: "d", cache: "/c/data", storageAccount: "a"),
            Mount(local: "hit/data/sub", remote: "s", cache: "/c/sub", storageAccount: "a"),
            Mount(local: "/abs/m", remote: "", cache: "/c/m", storageAccount: "a"),
        ]
        if rootMount { mounts.append(Mount(local: "/", remote: "root", cache: "/c/root", storageAccount: "a")) }
        return try PathResolver(
            configuration: AzFuseConfiguration(mounts: mounts, storageAccounts: ["a": account]),
            baseFolder: FileManager.default.currentDirectoryPath, homeFolder: "/home/u")
    }

    @Test func declinesPathsThatNeedFullResolution() throws {
        let resolver = try Self.resolver(rootMount: false)
        for path in [
            "hit/data", "hit/data/", "hit/data//a", "hit/data/./a", "hit/data/x/../a", "hit/data/.azfuse",
            "hit/data/.azfuse/locks/x", "/abs/m", "/abs/other/a", "hitx/data/a", "hit/data/a/", "/abs/m/a\0b",
        ] {
            #expect(resolver.cacheFileForHit(path) == nil, "\(path)")
        }
        #expect(resolver.cacheFileForHit("hit/data/.azfusex")?.cacheFile == "/c/data/.azfusex")
        let disabled = try PathResolver(
            configuration: AzFuseConfiguration(
                isEnabled: false, mounts: [Mount(local: "/abs/m", remote: "", cache: "/c/m", storageAccount: "a")],
                storageAccounts: ["a": Self.account]),
            baseFolder: "/", homeFolder: "/")
        #expect(disabled.cacheFileForHit("/abs/m/a") == nil)
    }

    /// 20,000 random paths built from tricky components, relative and absolute, with and without a root mount.
    @Test(arguments: [false, true]) func agreesWithFullResolution(rootMount: Bool) throws {
        let resolver = try Self.resolver(rootMount: rootMount)
        let currentDirectory = FileManager.default.currentDirectoryPath
        let pieces = [
            "hit", "data", "sub", "abs", "m", "a", "b.txt", ".", "..", "", ".azfuse", "caf\u{E9}", "x y", "...",
            ".hidden", "data.bak",
        ]
        var random = SplitMix64(seed: rootMount ? 7 : 11)
        var answered = 0
        for _ in 0..<10_000 {
            let count = Int.random(in: 1...6, using: &random)
            let components = (0..<count).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &random)] }
            var path = components.joined(separator: "/")
            if Bool.random(using: &random) { path = "/" + path }
            if Int.random(in: 0..<8, using: &random) == 0 { path = "hit/data/" + path }
            guard !path.isEmpty else { continue }
            guard let shortcut = resolver.cacheFileForHit(path) else { continue }
            answered += 1
            let full = try resolver.resolve(path, currentFolder: currentDirectory)
            #expect(full.blob?.cachePath == shortcut.cacheFile, "\(path)")
            #expect(full.blob?.cacheRoot == shortcut.cacheRoot, "\(path)")
            #expect(full.blob.map { !CacheLayout.isInternal(relativePath: $0.relativePath) } == true, "\(path)")
        }
        #expect(answered > 200, "the shortcut answered only \(answered) paths")
    }
}
