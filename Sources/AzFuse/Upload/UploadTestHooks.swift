import Synchronization

/// Points in the write path where tests can stop a process (for example with `SIGKILL`) to check crash recovery.
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
    }

    private static let hook = Mutex<(@Sendable (Point, String) -> Void)?>(nil)

    /// Sets (or clears) the function called at every point, with the logical path being written.
    public static func set(_ function: (@Sendable (Point, String) -> Void)?) {
        hook.withLock { $0 = function }
    }

    static func reached(_ point: Point, path: String) {
        hook.withLock { $0 }?(point, path)
    }
}
