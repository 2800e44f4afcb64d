import Synchronization

/// The write-behind queues of one `withAsyncUpload` scope: one ``AsyncUploader`` per ``UploadPipeline`` (per
/// ``AzFuseClient`` instance) written through inside the scope, created on its first write, all with the scope's
/// options.
///
/// A scope covers writes through any instance; each instance's files go to its own uploader, which sends and
/// settles them through that instance's pipeline. The back-pressure bound applies to each uploader.
final class ScopeUploaders: Sendable {
    private let options: UploadOptions
    private let uploaders = Mutex<[(pipeline: UploadPipeline, uploader: AsyncUploader)]>([])

    /// Creates the scope's queues, starting with the one of `pipeline` (the instance that opened the scope).
    init(options: UploadOptions, opener pipeline: UploadPipeline) {
        self.options = options
        uploaders.withLock { $0.append((pipeline, AsyncUploader(pipeline: pipeline, options: options))) }
    }

    /// The uploader of `pipeline`'s writes in this scope.
    func uploader(for pipeline: UploadPipeline) -> AsyncUploader {
        uploaders.withLock { uploaders in
            if let found = uploaders.first(where: { $0.pipeline === pipeline }) { return found.uploader }
            let uploader = AsyncUploader(pipeline: pipeline, options: options)
            uploaders.append((pipeline, uploader))
            return uploader
        }
    }

    /// Waits until every file queued so far in the scope is uploaded or has failed for good, and returns (and
    /// forgets) the failures so far, in the order the uploaders were created.
    func flush() async -> [AzFuseError] {
        var failures: [AzFuseError] = []
        for uploader in uploaders.withLock({ $0.map(\.uploader) }) {
            failures += await uploader.flush()
        }
        return failures
    }
}
