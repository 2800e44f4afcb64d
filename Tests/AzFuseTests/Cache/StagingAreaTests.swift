import Foundation
import Testing

@testable import AzFuse

@Suite struct StagingAreaTests {
    /// Holds an exclusive flock on `path` in a separate process until killed.
    static func holdLock(_ path: String) throws -> Process {
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "python3", "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', "
                + "flush=True); time.sleep(60)",
            path,
        ]
        let output = Pipe()
        holder.standardOutput = output
        try holder.run()
        _ = output.fileHandleForReading.availableData
        return holder
    }

    @Test func removesAbandonedFoldersAndKeepsLiveOnes() async throws {
        try await TemporaryDirectory.with { directory in
            let cacheRoot = directory.file("cache")
            let root = CacheLayout.stagingRoot(cacheRoot: cacheRoot)
            try directory.write("", to: "cache/.azfuse/staging/111-dead/owner.lock")
            try directory.write("partial", to: "cache/.azfuse/staging/111-dead/abc.part")
            try directory.write("", to: "cache/.azfuse/staging/222-live/owner.lock")
            try directory.write("partial", to: "cache/.azfuse/staging/222-live/def.part")
            try directory.write("partial", to: "cache/.azfuse/staging/333-starting/ghi.part")
            let holder = try Self.holdLock(root + "/222-live/owner.lock")
            defer {
                kill(holder.processIdentifier, SIGKILL)  // Foundation's terminate() sends SIGTERM, blocked here
                holder.waitUntilExit()
            }

            let staging = StagingArea()
            let own = try await staging.folder(cacheRoot: cacheRoot)
            #expect(try await staging.folder(cacheRoot: cacheRoot) == own, "one folder per cache folder")
            #expect(own.hasPrefix(root + "/\(getpid())-"))
            let remaining = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
            #expect(remaining == ["222-live", "333-starting", (own as NSString).lastPathComponent].sorted())

            // Another instance in this process does not take this folder: its owner lock is held.
            StagingArea.removeAbandoned(in: root, except: "")
            #expect(FileManager.default.fileExists(atPath: own))
        }
    }
}
