/// What resuming pending uploads did: the files it uploaded and those that still could not be uploaded.
///
/// Returned by ``AzFuseClient/resumePendingUploads(paths:)`` (and ``File/resumePendingUploads(paths:)``), which also includes the
/// outcome of the background resume an instance starts at its first `withAsyncUpload` scope.
///
/// ```swift
/// let report = try await File.resumePendingUploads()
/// for failure in report.failed { print("\(failure.path ?? "?"): \(failure.message)") }
/// ```
public struct ResumedUploads: Sendable {
    /// The logical paths whose pending content was uploaded.
    public var uploaded: [String] = []
    /// One ``AzFuseError`` (code ``AzFuseError/Code/uploadFailed``) per file that could not be uploaded, naming the
    /// logical path and saying why and where its content is kept; also records refused by validation and content
    /// found gone or incomplete.
    public var failed: [AzFuseError] = []

    /// Creates a report.
    ///
    /// - Parameters:
    ///   - uploaded: The logical paths uploaded.
    ///   - failed: The files that could not be uploaded.
    public init(uploaded: [String] = [], failed: [AzFuseError] = []) {
        self.uploaded = uploaded
        self.failed = failed
    }

    /// Whether every pending upload went through.
    public var succeeded: Bool { failed.isEmpty }

    /// This report followed by `other`.
    func merged(with other: ResumedUploads) -> ResumedUploads {
        ResumedUploads(uploaded: uploaded + other.uploaded, failed: failed + other.failed)
    }
}
