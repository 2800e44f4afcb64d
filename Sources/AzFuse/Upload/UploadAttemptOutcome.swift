/// What one attempt to upload a queued file came to, as ``AsyncUploaderStateMachine`` weighs it.
enum UploadAttemptOutcome: Sendable {
    /// The blob is committed.
    case uploaded
    /// Newer content of the blob was written through this instance: this (resumed) content is not uploaded.
    case superseded
    /// Someone (a resumer's fence, or a user's lease) holds a lease on the blob, for a bounded time: worth waiting.
    case leaseHeld
    /// Any other failure; `transient` when it may go away on its own.
    case failed(any Error, transient: Bool)

    /// Classifies the result of an upload.
    ///
    /// - Parameters:
    ///   - result: What the upload returned.
    ///   - leaseWaitOpen: Whether a held lease is still worth waiting for (the batch started less than a resume fence
    ///     and a lease period ago); past that, a held lease is an ordinary, permanent failure.
    init(_ result: Result<Void, any Error>, leaseWaitOpen: Bool) {
        switch result {
        case .success:
            self = .uploaded
        case .failure(let error) where error is UploadSender.Superseded:
            self = .superseded
        case .failure(let error) where leaseWaitOpen && ResumeFence.isLeaseHeld(error):
            self = .leaseHeld
        case .failure(let error):
            self = .failed(error, transient: Self.isTransient(error))
        }
    }

    /// Whether a failure may go away on its own: the network, throttling, a server error, a failed transfer tool.
    static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? AzFuseError else { return !(error is CancellationError) }
        return [.transport, .throttled, .serviceError, .transferFailed].contains(error.code)
    }
}
