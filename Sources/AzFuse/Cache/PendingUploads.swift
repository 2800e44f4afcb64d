import Synchronization

/// Mapped files whose new content is written locally but not uploaded yet (an asynchronous upload in flight).
///
/// The metadata API asks this registry so that a file waiting for its upload counts as existing (``AzFuse/exists(_:)``,
/// ``AzFuse/isFile(_:)``, ``AzFuse/isDirectory(_:)`` of its folders) and reports its local size, although the service
/// does not know it yet. azfuse answered `False` for such files.
///
/// The uploader fills it: ``begin(_:)`` once the cache file is committed and queued, ``end(_:)`` once the upload
/// finished, whether it succeeded or failed. Calls nest: a path queued twice stays pending until both end.
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

    private let counts = Mutex<[Key: Int]>([:])

    /// Records that `blob`'s new content is waiting to be uploaded.
    func begin(_ blob: BlobTarget) {
        counts.withLock { $0[Key(blob), default: 0] += 1 }
    }

    /// Records that one upload of `blob` finished (successfully or not).
    func end(_ blob: BlobTarget) {
        counts.withLock { counts in
            let key = Key(blob)
            guard let count = counts[key] else { return }
            counts[key] = count > 1 ? count - 1 : nil
        }
    }

    /// Whether `blob` itself is waiting to be uploaded.
    func contains(_ blob: BlobTarget) -> Bool {
        counts.withLock { $0[Key(blob)] != nil }
    }

    /// Whether a blob below the folder `folder` (a blob name prefix) is waiting to be uploaded.
    func containsAny(under folder: BlobTarget) -> Bool {
        let key = Key(folder)
        let prefix = folder.blobName.isEmpty ? "" : folder.blobName + "/"
        return counts.withLock { counts in
            counts.keys.contains {
                $0.endpoint == key.endpoint && $0.container == key.container
                    && $0.blobName.utf8.starts(with: prefix.utf8) && $0.blobName != folder.blobName
            }
        }
    }
}
