import Foundation

/// Runs the built `azfuse` executable and collects its output (tests only).
enum CommandRunner {
    struct Result {
        let status: Int32
        let standardOutput: String
        let standardError: String
    }

    /// The folder holding the test bundle and the built products.
    static var productsDirectory: URL {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        while folder.path != "/"
            && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("azfuse").path)
        {
            folder.deleteLastPathComponent()
        }
        return folder
    }

    /// Runs `azfuse` with `arguments`, the given environment (plus PATH and HOME) and current directory.
    static func run(_ arguments: [String], environment: [String: String], currentFolder: String) throws -> Result {
        try start(arguments, environment: environment, currentFolder: currentFolder).finish()
    }

    /// Runs `azfuse` like ``run(_:environment:currentFolder:)``, waiting on a Dispatch thread so the test's
    /// cooperative thread stays free for the other tests.
    static func runOffPool(_ arguments: [String], environment: [String: String], currentFolder: String)
        async throws -> Result
    {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Swift.Result {
                        try run(arguments, environment: environment, currentFolder: currentFolder)
                    })
            }
        }
    }

    /// A started `azfuse` process.
    struct Running {
        let process: Process
        let output: Pipe
        let error: Pipe

        /// Waits for the process and collects its output.
        func finish() -> Result {
            let outputData = output.fileHandleForReading.readDataToEndOfFile()
            let errorData = error.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Result(
                status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
                standardError: String(decoding: errorData, as: UTF8.self))
        }

        /// ``finish()`` on a Dispatch thread, so the test's cooperative thread stays free.
        func finishOffPool() async -> Result {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(returning: finish()) }
            }
        }
    }

    /// Starts `azfuse` (or another built `executable`) without waiting for it.
    static func start(
        _ arguments: [String], environment: [String: String], currentFolder: String, executable: String = "azfuse"
    ) throws -> Running {
        let process = Process()
        process.executableURL =
            executable.hasPrefix("/")
            ? URL(fileURLWithPath: executable) : productsDirectory.appendingPathComponent(executable)
        process.arguments = arguments
        var fullEnvironment = environment
        for key in ["PATH", "HOME"] { fullEnvironment[key] = ProcessInfo.processInfo.environment[key] }
        process.environment = fullEnvironment
        process.currentDirectoryURL = URL(fileURLWithPath: currentFolder)
        let output = Pipe()
        let error = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = error
        try process.run()
        return Running(process: process, output: output, error: error)
    }
}
