/// The upload mode of the current task, set by `withAsyncUpload` and inherited by child tasks.
struct UploadScope: Sendable {
    /// The scope's write-behind queues, or `nil` when the scope made writes synchronous (`enabled: false`).
    let uploaders: ScopeUploaders?
    /// Whether written files are staged in shared memory.
    let stagesInSharedMemory: Bool

    /// The innermost scope around the current task, if any.
    @TaskLocal static var current: UploadScope?
}
