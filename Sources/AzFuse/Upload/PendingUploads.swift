import Synchronization

/// Mapped files whose new content is written locally but not uploaded yet: journaled and queued, or uploading.
///
/// The metadata API asks this registry so that a file waiting for its upload counts as existing (``AzFuseClient/exists(_:)``,
/// ``AzFuseClient/isFile(_:)``, ``AzFuseClient/isFolder(_:)`` of its folders) and reports its local size, although the service
/// does not know it yet. azfuse answered `False` for such files.
///
/// ``UploadPipeline`` fills it, one entry per upload journal record: ``begin(_:record:)`` when a record is created or
/// adopted, ``end(record:)`` when its upload committed, was superseded by newer content, or failed for good.
final class PendingUploads: Sendable {
    private struct Key: Hashable {
        let endpoint: String
        let container: String
        let blobName: String

        init(_ blob: BlobTarget) {
            endpoint = blob.account.endpoint.absoluteString
            container = blob.container
            blobName = blob.blobName
        }
    }

    /// The blob of each pending journal record, by record path.
    private let records = Mutex<[String: Key]>([:])

    /// Records that the content journaled in `record` waits to be uploaded to `blob`.
    func begin(_ blob: BlobTarget, record: String) {
        records.withLock { $0[record] = Key(blob) }
    }

    /// Records that the upload journaled in `record` is over (committed, superseded or failed).
    func end(record: String) {
        _ = records.withLock { $0.removeValue(forKey: record) }
    }

    /// Whether `blob` itself waits to be uploaded.
    func contains(_ blob: BlobTarget) -> Bool {
        let key = Key(blob)
        return records.withLock { $0.values.contains(key) }
    }

    /// Whether a blob below the folder `folder` (a blob name prefix) waits to be uploaded.
    func containsAny(under folder: BlobTarget) -> Bool {
        let key = Key(folder)
        let prefix = folder.blobName.isEmpty ? "" : folder.blobName + "/"
        return records.withLock { records in
            records.values.contains {
                $0.endpoint == key.endpoint && $0.container == key.container && $0.blobName != key.blobName
                    && $0.blobName.utf8.starts(with: prefix.utf8)
            }
        }
    }

    /// The names of the blobs below the folder `folder` (a blob name prefix) that wait to be uploaded, relative to it.
    func relativeNames(under folder: BlobTarget) -> Set<String> {
        let key = Key(folder)
        let prefix = folder.blobName.isEmpty ? "" : folder.blobName + "/"
        return records.withLock { records in
            Set(
                records.values.compactMap { pending in
                    guard pending.endpoint == key.endpoint, pending.container == key.container,
                        pending.blobName.utf8.count > prefix.utf8.count, pending.blobName.utf8.starts(with: prefix.utf8)
                    else { return nil }
                    return String(decoding: pending.blobName.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
                })
        }
    }

    /// Waits until no upload of `blob` (and, with `includingBelow`, of any blob below it) is pending, so an
    /// operation on the blob that follows cannot be undone by a queued upload landing after it.
    ///
    /// Pending uploads always end (committed, superseded or failed for good), so this returns; it polls with short
    /// sleeps and never blocks a thread.
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting.
    func waitUntilSettled(_ blob: BlobTarget, includingBelow: Bool) async throws {
        var delay = Duration.milliseconds(2)
        while contains(blob) || (includingBelow && containsAny(under: blob)) {
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(100))
        }
    }
}
