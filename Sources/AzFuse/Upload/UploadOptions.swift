/// How writes to mapped paths are uploaded: back-pressure, retries and shared-memory staging.
public struct UploadOptions: Sendable, Hashable {
    /// The most bytes an upload scope lets wait for upload (queued or in flight), counted per ``AzFuseClient``
    /// instance written through inside the scope. A writer that would go over waits (asynchronously, in arrival
    /// order) until uploads have drained below it; a single file larger than the bound is still accepted when
    /// nothing else waits. Default 2 GiB.
    public var maxPendingBytes: Int64
    /// How many times a file whose upload failed with a transient error (network, throttling, a server error, a
    /// failed azcopy job) is sent again, in all; each attempt also gets the client's own request retries. Default 3.
    public var maxAttempts: Int
    /// The delay before the second attempt; later attempts wait proportionally longer. Default 1 second.
    public var retryDelay: Duration
    /// The shared-memory folder `withAsyncUpload(shmAsTemp: true)` stages files in (a private `azfuse-<uid>`
    /// folder is created inside it). Default `/dev/shm`.
    public var sharedMemoryFolder: String
    /// Shared memory must keep at least this many bytes free (beyond a written file's size, when known in advance);
    /// otherwise the write goes to the cache folder instead. Default 512 MiB.
    public var sharedMemoryReserveBytes: Int64
    /// How long a resume keeps a lease on each blob it uploads from a dead writer's journal, counted from the start
    /// of the resume: a request the dead writer had sent that arrives later than its upload then fails instead of
    /// replacing the newer content. Writers of that blob in other processes wait (retrying) meanwhile. `.zero`
    /// turns the lease off. Default 2 minutes, above the age a request of a dead process can reach.
    public var resumeFence: Duration = .seconds(120)

    /// Creates upload options.
    ///
    /// - Parameters:
    ///   - maxPendingBytes: The back-pressure bound of an upload scope, in bytes.
    ///   - maxAttempts: Attempts per file for transient failures (at least 1).
    ///   - retryDelay: The delay before the second attempt.
    ///   - sharedMemoryFolder: Where `shmAsTemp` stages files.
    ///   - sharedMemoryReserveBytes: The free space shared memory must keep.
    public init(
        maxPendingBytes: Int64 = 2 << 30,
        maxAttempts: Int = 3,
        retryDelay: Duration = .seconds(1),
        sharedMemoryFolder: String = "/dev/shm",
        sharedMemoryReserveBytes: Int64 = 512 << 20
    ) {
        self.maxPendingBytes = max(1, maxPendingBytes)
        self.maxAttempts = max(1, maxAttempts)
        self.retryDelay = retryDelay
        self.sharedMemoryFolder = sharedMemoryFolder
        self.sharedMemoryReserveBytes = max(0, sharedMemoryReserveBytes)
    }
}
