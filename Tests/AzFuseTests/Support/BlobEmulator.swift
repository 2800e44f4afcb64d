import AzFuse
import AzFuseBlobClient
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// A running instance of the project's Python blob emulator (`Tests/BlobEmulator/blob_emulator.py`), for one test.
///
/// Use ``withEmulator(_:)``: it starts the emulator on a free port with a fresh data directory, and kills it
/// (SIGKILL) and removes its directories afterwards, even when the test throws.
struct BlobEmulator: Sendable {
    /// The emulator's well-known account.
    static let accountName = "devstoreaccount1"
    /// The emulator's well-known account key.
    static let accountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

    /// One fault rule for `POST /__emulator/faults`.
    struct Fault: Encodable, Sendable {
        var method: String?
        var container: String?
        var blob: String?
        var blobPrefix: String?
        var status: Int?
        var count: Int?
        var errorCode: String?
        var truncateAfterBytes: Int?
        var latencyMs: Int?
        /// The operation, as in the request log (`PutBlob`, `GetBlob`, ...).
        var operation: String?
        /// A `Retry-After` header value sent with `status`.
        var retryAfter: String?
        /// An `x-ms-retry-after-ms` header value sent with `status`.
        var retryAfterMs: Int?
        /// Read this many request body bytes (all when fewer), then reset the connection without answering.
        var dropAfterRequestBytes: Int?
    }

    /// One entry of the emulator's request log.
    struct LoggedRequest: Decodable, Sendable {
        var method: String
        var container: String?
        var blob: String?
        var operation: String?
        var query: [String: String]
        var status: Int
        var errorCode: String?
        var auth: String?
        /// When the emulator logged it (just after answering), ISO 8601 with microseconds.
        var time: String
        /// Request body bytes read.
        var bytesIn: Int?

        /// ``time`` as seconds since 1970.
        var timestamp: Double {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let trimmed = time.replacingOccurrences(
                of: #"\.(\d{3})\d*Z$"#, with: ".$1Z", options: .regularExpression)
            return formatter.date(from: trimmed)?.timeIntervalSince1970 ?? 0
        }
    }

    /// The emulator's TCP port.
    let port: Int
    /// For an emulator shared by a suite: the container this handle's test owns. Faults are scoped to it and the
    /// request log and held-request count cover only its requests; `nil` for an emulator of the test's own.
    var scope: String? = nil
    /// A scratch directory for the test's local files, removed afterwards.
    let scratchDirectory: String

    /// The path-style blob endpoint of the well-known account.
    var endpoint: URL { URL(string: "http://127.0.0.1:\(port)/\(Self.accountName)")! }

    /// Starts an emulator, runs `body`, then stops it and removes its directories.
    static func withEmulator<Result>(_ body: (BlobEmulator) async throws -> Result) async throws -> Result {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("azfuse-client-\(UUID().uuidString)")
        let dataDirectory = root.appendingPathComponent("data").path
        let scratch = root.appendingPathComponent("scratch").path
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let process = try EmulatorProcess(script: scriptPath(), dataDirectory: dataDirectory)
        defer { process.kill() }
        let port = try await process.readPort()
        return try await body(BlobEmulator(port: port, scratchDirectory: scratch))
    }

    /// Runs `body` with the emulator shared by the tests of one suite (one emulator process per `suite`, started on
    /// first use, stopped when the test process exits), and a scratch directory of its own.
    ///
    /// Tests sharing an emulator keep apart by container: the handle's ``scope`` is the container its
    /// ``account(container:sasToken:key:)`` and ``makeClient(configuration:)`` use, faults it injects apply only to
    /// that container, and its request log and held-request count cover only that container's requests. Settings
    /// (``setMaxListResults(_:)``) apply to every container, so tests that change them use ``withEmulator(_:)``.
    ///
    /// - Parameter suite: Which shared emulator: by default one per test file, so suites still run in parallel
    ///   against separate processes.
    static func withSharedEmulator<Result>(
        suite: String = #fileID, _ body: (BlobEmulator) async throws -> Result
    ) async throws -> Result {
        let port = try await SharedEmulators.registry.port(for: suite)
        let scope = "c\(UInt32.random(in: 0...UInt32.max))"
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "azfuse-client-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        return try await body(BlobEmulator(port: port, scope: scope, scratchDirectory: scratch.path))
    }

    /// Runs `body` with the suite's shared emulator, or with an emulator of its own when `ownEmulator` is set (a
    /// test that changes settings, say).
    static func with<Result>(
        ownEmulator: Bool, suite: String, _ body: (BlobEmulator) async throws -> Result
    ) async throws -> Result {
        ownEmulator ? try await withEmulator(body) : try await withSharedEmulator(suite: suite, body)
    }

    /// The emulator script: `AZFUSE_BLOB_EMULATOR` if set, else `Tests/BlobEmulator/blob_emulator.py` in this package.
    static func scriptPath(filePath: String = #filePath) -> String {
        if let override = ProcessInfo.processInfo.environment["AZFUSE_BLOB_EMULATOR"], !override.isEmpty {
            return override
        }
        let testsDirectory = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return testsDirectory.appendingPathComponent("BlobEmulator/blob_emulator.py").path
    }

    /// An account for a fresh, not yet created container, authenticated with `credential`.
    ///
    /// - Parameter container: The container; by default the handle's own (``scope``) for a shared emulator, else a
    ///   fresh random name.
    func account(container: String? = nil, sasToken: String? = nil, key: Bool = true) -> StorageAccount {
        StorageAccount(
            accountName: Self.accountName,
            containerName: container ?? scope ?? "c\(UInt32.random(in: 0...UInt32.max))",
            accountKey: key ? Self.accountKey : nil, sasToken: sasToken, endpoint: endpoint)
    }

    /// A Shared Key client for a newly created container, with tiny retry delays.
    func makeClient(configuration: BlobClient.Configuration = BlobEmulator.fastConfiguration) async throws -> BlobClient
    {
        let client = try BlobClient(account: account(), configuration: configuration)
        try await client.createContainer()
        return client
    }

    /// A configuration with millisecond retry delays, for tests.
    static let fastConfiguration = BlobClient.Configuration(
        retry: RetryPolicy(maxAttempts: 4, initialDelay: .milliseconds(5), maxDelay: .milliseconds(20)))

    /// Adds a fault rule.
    func inject(_ fault: Fault) async throws {
        var fault = fault
        fault.container = fault.container ?? scope
        _ = try await control("POST", "faults", body: try JSONEncoder().encode(fault))
    }

    /// How many requests are being held by a `latencyMs` fault right now.
    func delayedRequests() async throws -> Int {
        struct Count: Decodable { var count: Int }
        return try JSONDecoder().decode(Count.self, from: try await control("GET", "delayed")).count
    }

    /// Removes all fault rules.
    func clearFaults() async throws {
        _ = try await control("DELETE", "faults")
    }

    /// Caps List Blobs pages at `count` entries, so a short listing spans several pages.
    func setMaxListResults(_ count: Int) async throws {
        guard scope == nil else { throw EmulatorError("settings apply to every container: use withEmulator") }
        _ = try await control("POST", "settings", body: Data(#"{"maxListResults": \#(count)}"#.utf8))
    }

    /// The requests logged since the last ``clearRequests()``, once the log has settled: the emulator logs a
    /// request just after answering it, so the log is read until three reads 50 ms apart agree.
    func requests() async throws -> [LoggedRequest] {
        var previous = try await loggedRequests()
        var stableReads = 0
        while true {
            try await Task.sleep(for: .milliseconds(50))
            let current = try await loggedRequests()
            stableReads = current.count == previous.count ? stableReads + 1 : 0
            if stableReads == 2 { return current }
            previous = current
        }
    }

    private func loggedRequests() async throws -> [LoggedRequest] {
        let data = try await control("GET", "requests")
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONDecoder().decode(LoggedRequest.self, from: Data($0.utf8))
        }
    }

    /// Empties the request log.
    func clearRequests() async throws {
        _ = try await control("DELETE", "requests")
    }

    /// A path in the scratch directory.
    func localPath(_ name: String) -> String {
        scratchDirectory + "/" + name
    }

    private func control(_ method: String, _ resource: String, body: Data? = nil) async throws -> Data {
        let scoped = scope.map { "?container=\($0)" } ?? ""
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/__emulator/\(resource)\(scoped)")!)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw EmulatorError(
                "control \(method) \(resource) answered HTTP \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }
}

/// A failure of the emulator fixture itself.
struct EmulatorError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// The emulators shared by suites, one per key, each started once and left running until the test process exits.
private actor SharedEmulators {
    static let registry = SharedEmulators()

    private var started: [String: Task<Int, any Error>] = [:]
    /// The running processes, kept so they are not reaped; each exits with the test process.
    private var processes: [EmulatorProcess] = []

    func port(for suite: String) async throws -> Int {
        if let task = started[suite] { return try await task.value }
        let task = Task { try await self.start() }
        started[suite] = task
        return try await task.value
    }

    private func start() async throws -> Int {
        Self.removeLeftovers()
        let data = FileManager.default.temporaryDirectory.appendingPathComponent(
            "azfuse-shared-emulator-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let process = try EmulatorProcess(
            script: BlobEmulator.scriptPath(), dataDirectory: data.path, exitsWithParent: true)
        processes.append(process)
        return try await process.readPort()
    }

    /// Removes the data folders of shared emulators whose test process has exited (each exits with its parent and
    /// cannot remove its own folder).
    private static func removeLeftovers() {
        let temporary = FileManager.default.temporaryDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? [] {
            let parts = name.split(separator: "-")
            guard name.hasPrefix("azfuse-shared-emulator-"), parts.count > 3, let pid = pid_t(parts[3]),
                pid != getpid(), Glibc.kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
        }
    }
}

/// The emulator child process, spawned with `posix_spawn` (Foundation's `Process` cannot be killed reliably here).
private final class EmulatorProcess: Sendable {
    let pid: pid_t
    private let output: Int32

    init(script: String, dataDirectory: String, exitsWithParent: Bool = false) throws {
        guard FileManager.default.fileExists(atPath: script) else {
            throw EmulatorError("blob emulator script not found at \(script); set AZFUSE_BLOB_EMULATOR")
        }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw EmulatorError("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
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
        let arguments =
            ["python3", script, "--port", "0", "--data-dir", dataDirectory]
            + (exitsWithParent ? ["--exit-with-parent"] : [])
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var child: pid_t = 0
        let result = posix_spawnp(&child, "python3", &actions, &attributes, &argv, environ)
        close(pipeEnds[1])
        guard result == 0 else {
            close(pipeEnds[0])
            throw EmulatorError("could not start python3: \(String(cString: strerror(result)))")
        }
        pid = child
        output = pipeEnds[0]
    }

    /// Reads the `{"port": N}` line (on a Dispatch thread: the read blocks).
    func readPort() async throws -> Int {
        let output = output
        let line: String = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var bytes: [UInt8] = []
                var byte: UInt8 = 0
                while read(output, &byte, 1) == 1, byte != UInt8(ascii: "\n") { bytes.append(byte) }
                if bytes.isEmpty {
                    continuation.resume(throwing: EmulatorError("the blob emulator exited before printing its port"))
                } else {
                    continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        struct PortLine: Decodable { var port: Int }
        return try JSONDecoder().decode(PortLine.self, from: Data(line.utf8)).port
    }

    func kill() {
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(output)
    }
}

extension BlobClient {
    /// The client's account and container as the library's ``StorageAccount``, for configurations.
    var storageAccount: StorageAccount {
        StorageAccount(
            accountName: account.accountName, containerName: account.containerName, accountKey: account.accountKey,
            sasToken: account.sasToken, endpoint: account.endpoint)
    }
}
