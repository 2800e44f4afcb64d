extension File {
    /// Runs `body` with write-behind uploads of mapped writes; see
    /// ``AzFuseClient/withAsyncUpload(enabled:shmAsTemp:isolation:_:)``.
    ///
    /// ```swift
    /// try await File.withAsyncUpload(shmAsTemp: true) {
    ///     for step in checkpoints { try await File.write(step.bytes, to: "models/ckpt-\(step.id).bin") }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - enabled: `false` makes writes inside synchronous.
    ///   - shmAsTemp: Stage written files in shared memory until they are uploaded.
    ///   - isolation: Where `body` runs; leave the default, the caller's actor (so `body` need not be `Sendable`).
    ///   - body: The code whose writes are uploaded in the background.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws, else ``AzFuseError/Code/uploadFailed`` listing the files not uploaded.
    public static func withAsyncUpload<Value>(
        enabled: Bool = true,
        shmAsTemp: Bool = false,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Value
    ) async throws -> Value {
        try await current().withAsyncUpload(enabled: enabled, shmAsTemp: shmAsTemp, body)
    }

    /// Waits for every upload queued so far in the current scope; see ``AzFuseClient/flushUploads()``.
    ///
    /// - Throws: ``AzFuseError/Code/uploadFailed`` listing the files that failed so far.
    public static func flushUploads() async throws {
        try await current().flushUploads()
    }

    /// Uploads files written earlier but not uploaded (a crash, a failed upload) and reports what it uploaded and
    /// what failed; see ``AzFuseClient/resumePendingUploads(paths:)``.
    ///
    /// - Parameter paths: When given, only the pending uploads of these logical paths.
    /// - Returns: The paths uploaded and the files that still could not be uploaded.
    /// - Throws: `CancellationError` if the task is cancelled before it starts.
    @discardableResult
    public static func resumePendingUploads(paths: [String]? = nil) async throws -> ResumedUploads {
        try await current().resumePendingUploads(paths: paths)
    }
}
