import Synchronization

/// Points in the write path where tests can stop a process (for example with `SIGKILL`) to check crash recovery, or
/// learn that a write reached a state they wait for.
///
/// Not part of the supported API: reachable only with `@_spi(Testing) import AzFuse`. Without a hook set, passing a
/// point costs one lock.
@_spi(Testing) public enum UploadTestHooks {
    /// A point in the write path.
    public enum Point: Sendable {
        /// A written file was renamed into the cache, and is not journaled yet.
        case publishedBeforeJournal
        /// A file was staged in shared memory, and is not journaled (nor linked from the cache) yet.
        case stagedBeforeJournal
        /// A journaled file waits for room in its scope's upload queue (back-pressure), and is not queued yet.
        case waitingForRoom
    }

    /// A function called at every point, with the logical path being written.
    public typealias Hook = @Sendable (Point, String) -> Void

    private struct Hooks {
        var main: Hook?
        var observers: [UInt64: Hook] = [:]
        var nextObserver: UInt64 = 0

        var all: [Hook] { (main.map { [$0] } ?? []) + observers.values }
    }

    private static let hooks = Mutex(Hooks())

    /// Sets (or clears) the function called at every point (for a whole process, such as a test helper program).
    public static func set(_ function: Hook?) {
        hooks.withLock { $0.main = function }
    }

    /// Runs `body` with `observer` called at every point as well; observers of tests running at the same time do not
    /// disturb each other (each should filter by the paths it writes).
    ///
    /// - Parameters:
    ///   - observer: Called at every point while `body` runs.
    ///   - isolation: Where `body` runs.
    ///   - body: The code to observe.
    /// - Returns: What `body` returns.
    public static func withObserver<Result>(
        _ observer: @escaping Hook,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Result
    ) async rethrows -> Result {
        let id = hooks.withLock { hooks -> UInt64 in
            hooks.nextObserver += 1
            hooks.observers[hooks.nextObserver] = observer
            return hooks.nextObserver
        }
        defer { _ = hooks.withLock { $0.observers.removeValue(forKey: id) } }
        return try await body()
    }

    static func reached(_ point: Point, path: String) {
        for hook in hooks.withLock({ $0.all }) { hook(point, path) }
    }
}
