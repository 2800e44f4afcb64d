// A test helper, not a product: writes files inside `withAsyncUpload` with the azfuse environment configuration,
// then waits to be killed, so tests can crash a process while its uploads are queued.
//
// usage: azfuse-test-writer <shared-memory-folder or -> <path>=<content>...
//        azfuse-test-writer --spawn-child   (starts `sleep 600` through ProcessRunner, prints "child <pid>", waits)
//
// A content of the form @FILE is read from FILE. AZFUSE_TEST_WRITER_EXIT=1 makes the writer leave the scope (waiting
// for the uploads) and exit instead of waiting to be killed; it prints "done" and exits 1 if an upload failed.
//
// AZFUSE_TEST_KILL_AT=<published|staged>:<n> makes the writer SIGKILL itself the n-th time a write reaches that point
// (renamed into the cache but not journaled; staged in shared memory but not journaled).
@_spi(Testing) import AzFuse
import Foundation
import Synchronization

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--spawn-child" {
    let command = ProcessRunner.Command(executable: "/bin/sh", arguments: ["-c", "echo $$; exec sleep 600"])
    _ = try await ProcessRunner().run(command) { line in
        print("child \(line)")
        fflush(nil)
    }
    exit(0)
}
guard let sharedMemory = arguments.first else {
    FileHandle.standardError.write(
        Data("usage: azfuse-test-writer <shared-memory-folder or -> <path>=<content>...\n".utf8))
    exit(2)
}
if let killAt = ProcessInfo.processInfo.environment["AZFUSE_TEST_KILL_AT"] {
    let parts = killAt.split(separator: ":").map(String.init)
    let wanted: UploadTestHooks.Point = parts[0] == "staged" ? .stagedBeforeJournal : .publishedBeforeJournal
    let remaining = Mutex(Int(parts[1]) ?? 1)
    UploadTestHooks.set { point, _ in
        guard point == wanted else { return }
        if remaining.withLock({ value -> Bool in
            value -= 1
            return value == 0
        }) {
            kill(getpid(), SIGKILL)
        }
    }
}
do {
    var configuration = try AzFuseConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
    if sharedMemory != "-" { configuration.upload.sharedMemoryFolder = sharedMemory }
    let fuse = try AzFuseClient(configuration: configuration)
    try await fuse.withAsyncUpload(shmAsTemp: sharedMemory != "-") {
        for argument in arguments.dropFirst() {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let content =
                parts[1].hasPrefix("@")
                ? try Data(contentsOf: URL(fileURLWithPath: String(parts[1].dropFirst()))) : Data(parts[1].utf8)
            try await fuse.write(content, to: parts[0])
        }
        print("ready")
        fflush(nil)
        if ProcessInfo.processInfo.environment["AZFUSE_TEST_WRITER_EXIT"] != "1" {
            try await Task.sleep(for: .seconds(3600))
        }
    }
    print("done")
} catch {
    FileHandle.standardError.write(Data("azfuse-test-writer: \(error)\n".utf8))
    exit(1)
}
