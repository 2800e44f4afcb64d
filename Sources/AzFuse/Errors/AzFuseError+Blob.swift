import AzFuseBlobClient

extension AzFuseError {
    /// The library's error for a failure of the blob client: same code, message, local path, blob, HTTP status,
    /// Azure error code and cause.
    ///
    /// The one place a `BlobError` becomes an ``AzFuseError``. The library reaches the client through
    /// `ContainerClient` (and `LocalFile`), which convert every error with it, so code above them only ever
    /// catches ``AzFuseError``.
    ///
    /// - Parameters:
    ///   - error: The client's error.
    ///   - path: The path to report when the client's error names no local file.
    init(_ error: BlobError, path: String? = nil) {
        self.init(
            Code(error.code), error.message, path: error.path ?? path,
            blob: error.blob.map { BlobLocation(account: $0.account, container: $0.container, name: $0.name) },
            httpStatus: error.httpStatus, azureErrorCode: error.azureErrorCode, underlying: error.underlying)
    }
}

extension AzFuseError.Code {
    /// The library's code for a blob client code (they carry the same names).
    init(_ code: BlobError.Code) {
        self =
            switch code {
            case .invalidConfiguration: .invalidConfiguration
            case .invalidArgument: .invalidArgument
            case .notFound: .notFound
            case .authenticationFailed: .authenticationFailed
            case .permissionDenied: .permissionDenied
            case .conflict: .conflict
            case .changedWhileReading: .changedWhileReading
            case .throttled: .throttled
            case .transport: .transport
            case .serviceError: .serviceError
            case .integrityCheckFailed: .integrityCheckFailed
            case .fileSystem: .fileSystem
            case .cancelled: .cancelled
            case .unsupported: .unsupported
            }
    }
}
