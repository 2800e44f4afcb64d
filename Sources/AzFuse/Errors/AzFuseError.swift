// The Errors folder's contract: AzFuseError is the one error type the library throws. Lower layers have their own
// (SystemCallError, BlobError, YAMLError) and each is converted in exactly one place here (AzFuseError+SystemCall,
// +Blob, +YAML); AzFuseError+Naming makes an error name the logical path the caller used. Descriptions never
// contain secrets.

import AzFuseBlobClient

/// The one error type thrown by AzFuse.
///
/// Every error carries a ``Code`` you can switch on, a human-readable ``message`` that says what went wrong and what
/// to do, and, where they apply, the logical or local ``path``, the ``blob`` it maps to, the HTTP status and the Azure
/// error code. Its ``description`` never contains a SAS signature or an account key.
///
/// ```swift
/// do {
///     let bytes = try await File.read("data/abc.txt")
/// } catch let error as AzFuseError where error.code == .notFound {
///     print("missing: \(error.path ?? "?")")
/// }
/// ```
public struct AzFuseError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// A configuration file or value is missing, malformed or inconsistent.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// An argument given by the caller is not acceptable (an unknown mode, an empty path, ...).
        public static let invalidArgument = Code("invalidArgument")
        /// The path would resolve outside its mount's cache folder or remote prefix.
        public static let pathOutsideMount = Code("pathOutsideMount")
        /// The blob, container or local file does not exist.
        public static let notFound = Code("notFound")
        /// The service rejected the credentials: a wrong key, a tampered or expired SAS.
        public static let authenticationFailed = Code("authenticationFailed")
        /// The credentials are valid but do not allow this operation.
        public static let permissionDenied = Code("permissionDenied")
        /// The operation conflicts with the state of the resource (it already exists, is leased, ...).
        public static let conflict = Code("conflict")
        /// A condition such as `If-Match` failed: the blob changed while it was being read.
        public static let changedWhileReading = Code("changedWhileReading")
        /// The service asked the client to slow down and retries did not get through.
        public static let throttled = Code("throttled")
        /// The connection failed, timed out or was cut short.
        public static let transport = Code("transport")
        /// The service answered with an unexpected status.
        public static let serviceError = Code("serviceError")
        /// Transferred data failed a length or MD5 check.
        public static let integrityCheckFailed = Code("integrityCheckFailed")
        /// A transfer tool (azcopy) failed or could not be started.
        public static let transferFailed = Code("transferFailed")
        /// Content was written locally but could not be uploaded; it is kept on disk.
        public static let uploadFailed = Code("uploadFailed")
        /// A local file system operation failed.
        public static let fileSystem = Code("fileSystem")
        /// The operation was cancelled.
        public static let cancelled = Code("cancelled")
        /// The operation is not supported for this path or configuration.
        public static let unsupported = Code("unsupported")

        /// The code's name, for example `notFound`.
        public var description: String { name }
    }

    /// Where a blob lives: account, container and blob name.
    public struct BlobLocation: Hashable, Sendable, CustomStringConvertible {
        /// The storage account name.
        public var account: String
        /// The container name.
        public var container: String
        /// The blob name inside the container (may be empty for container-level operations).
        public var name: String

        /// Creates a blob location.
        public init(account: String, container: String, name: String) {
            self.account = account
            self.container = container
            self.name = name
        }

        /// `account/container/name`.
        public var description: String {
            name.isEmpty ? "\(account)/\(container)" : "\(account)/\(container)/\(name)"
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong and, where possible, what to do about it.
    public var message: String
    /// The logical path, local file or configuration file concerned, if any.
    public var path: String?
    /// The blob concerned, if any.
    public var blob: BlobLocation?
    /// The HTTP status the service answered with, if any.
    public var httpStatus: Int?
    /// The Azure error code (`x-ms-error-code`), for example `BlobNotFound`, if any.
    public var azureErrorCode: String?
    /// The lower-level error that caused this one, if any.
    public var underlying: (any Error)?
    /// For an operation on many files (`prepare`, an upload scope), one error per file that failed.
    public var fileErrors: [AzFuseError] = []

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What kind of failure this is.
    ///   - message: What went wrong and what to do. Must not contain secrets.
    ///   - path: The logical path, local file or configuration file concerned.
    ///   - blob: The blob concerned.
    ///   - httpStatus: The HTTP status, if the service answered.
    ///   - azureErrorCode: The `x-ms-error-code` value, if any.
    ///   - underlying: The lower-level cause.
    public init(
        _ code: Code,
        _ message: String,
        path: String? = nil,
        blob: BlobLocation? = nil,
        httpStatus: Int? = nil,
        azureErrorCode: String? = nil,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.blob = blob
        self.httpStatus = httpStatus
        self.azureErrorCode = azureErrorCode
        self.underlying = underlying
    }

    /// A one-line description: code, message, path, blob, HTTP status and Azure error code, secrets redacted.
    public var description: String {
        var text = BlobError.describe(
            "\(code)", message, path: path, blob: blob.map { "\($0)" }, httpStatus: httpStatus,
            azureErrorCode: azureErrorCode, underlying: underlying)
        for fileError in fileErrors { text += "\n  - " + fileError.description }
        return Redaction.redactSecrets(in: text)
    }
}
