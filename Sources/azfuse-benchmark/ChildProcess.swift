import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with `posix_spawnp` (Foundation's `Process` cannot be signalled reliably on Linux),
/// optionally with its standard output on a pipe.
final class ChildProcess: Sendable {
    let pid: pid_t
    /// The read end of the child's standard output, when captured.
    let output: Int32?

    init(_ arguments: [String], captureOutput: Bool = false) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if captureOutput {
            guard pipe(&pipeEnds) == 0 else { throw BenchmarkError("pipe failed") }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var child: pid_t = 0
        let result = posix_spawnp(&child, arguments[0], &actions, &attributes, &argv, environ)
        if captureOutput { close(pipeEnds[1]) }
        guard result == 0 else {
            if captureOutput { close(pipeEnds[0]) }
            throw BenchmarkError("could not start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        pid = child
        output = captureOutput ? pipeEnds[0] : nil
    }

    /// Runs `arguments` to completion and throws unless it exits with status 0.
    static func run(_ arguments: [String]) async throws {
        let process = try ChildProcess(arguments)
        let status = await process.waitForExit()
        guard status == 0 else { throw BenchmarkError("\(arguments[0]) exited with status \(status)") }
    }

    /// Reads one line of the captured output (blocking, so on a Dispatch thread).
    func readLine() async -> String {
        guard let output else { return "" }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var bytes: [UInt8] = []
                var byte: UInt8 = 0
                while read(output, &byte, 1) == 1, byte != UInt8(ascii: "\n") { bytes.append(byte) }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }
        }
    }

    /// Waits for the child to exit (blocking, so on a Dispatch thread) and returns its exit status.
    func waitForExit() async -> Int32 {
        let pid = pid
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                continuation.resume(returning: (status >> 8) & 0xff)
            }
        }
    }

    /// Kills the child with SIGKILL and reaps it.
    func kill() {
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        if let output { close(output) }
    }
}
