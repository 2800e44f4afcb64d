// A test helper, not a product: writes files inside `withAsyncUpload` with the azfuse environment configuration,
// then waits to be killed, so tests can crash a process while its uploads are queued.
//
// usage: azfuse-test-writer <shared-memory-folder or -> <path>=<content>...
//        azfuse-test-writer --spawn-child   (starts `sleep 600` through ProcessRunner, prints "child <pid>", waits)
import AzFuse
import Foundation

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
do {
    var configuration = try AzFuseConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
    if sharedMemory != "-" { configuration.upload.sharedMemoryFolder = sharedMemory }
    let fuse = try AzFuse(configuration: configuration)
    try await fuse.withAsyncUpload(shmAsTemp: sharedMemory != "-") {
        for argument in arguments.dropFirst() {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            try await fuse.write(Data(parts[1].utf8), to: parts[0])
        }
        print("ready")
        fflush(nil)
        try await Task.sleep(for: .seconds(3600))
    }
} catch {
    FileHandle.standardError.write(Data("azfuse-test-writer: \(error)\n".utf8))
    exit(1)
}
