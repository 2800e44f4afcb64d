import AzFuseSystem
/// The one error type thrown by the blob client: a ``Code`` to switch on, a message that says what went wrong and
/// what to do, and, where they apply, the local file, the blob, the HTTP status and the Azure error code.
///
/// It mirrors the library's `AzFuseError` field for field (AzFuse converts it with `AzFuseError(_:path:)`), so the
/// client needs nothing from the library. Its ``description`` never contains a SAS signature or an account key.
package struct BlobError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; the cases carry the names of the library's codes they become.
    package enum Code: String, Sendable, Hashable, CaseIterable {
        /// The account's credentials are malformed (an account key that is not base64).
        case invalidConfiguration
        /// An argument does not form a valid request (a blob name that makes no URL).
        case invalidArgument
        /// The blob, container or local file does not exist (HTTP 404, `ENOENT`).
        case notFound
        /// The service rejected the credentials (HTTP 401, most 403s).
        case authenticationFailed
        /// The credentials are valid but do not allow this operation (HTTP 403 with an authorization error code).
        case permissionDenied
        /// The operation conflicts with the resource's state (HTTP 409).
        case conflict
        /// A condition such as `If-Match` failed: the blob changed while it was being read (HTTP 412).
        case changedWhileReading
        /// The service kept asking the client to slow down (HTTP 429, 503).
        case throttled
        /// The connection failed, timed out or was refused.
        case transport
        /// The service answered with an unexpected status or body.
        case serviceError
        /// Transferred data failed a length or MD5 check.
        case integrityCheckFailed
        /// A local file operation failed.
        case fileSystem
        /// The operation was cancelled.
        case cancelled
        /// The operation needs something the account lacks (minting a SAS without a key).
        case unsupported
    }

    /// Where a blob lives: account, container and blob name.
    package struct Location: Hashable, Sendable, CustomStringConvertible {
        /// The storage account name.
        package var account: String
        /// The container name.
        package var container: String
        /// The blob name inside the container (empty for container-level operations).
        package var name: String

        /// Creates a location.
        package init(account: String, container: String, name: String) {
            self.account = account
            self.container = container
            self.name = name
        }

        /// `account/container/name`.
        package var description: String {
            name.isEmpty ? "\(account)/\(container)" : "\(account)/\(container)/\(name)"
        }
    }

    /// What kind of failure this is.
    package var code: Code
    /// What went wrong and, where possible, what to do about it. Never contains secrets.
    package var message: String
    /// The local file concerned (a download's destination, an upload's source), if any.
    package var path: String?
    /// The blob concerned, if any.
    package var blob: Location?
    /// The HTTP status the service answered with, if any.
    package var httpStatus: Int?
    /// The Azure error code (`x-ms-error-code`), for example `BlobNotFound`, if any.
    package var azureErrorCode: String?
    /// The lower-level error that caused this one (a `URLError` code, for example), if any.
    package var underlying: (any Error)?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What kind of failure this is.
    ///   - message: What went wrong and what to do. Must not contain secrets.
    ///   - path: The local file concerned.
    ///   - blob: The blob concerned.
    ///   - httpStatus: The HTTP status, if the service answered.
    ///   - azureErrorCode: The `x-ms-error-code` value, if any.
    ///   - underlying: The lower-level cause.
    package init(
        _ code: Code,
        _ message: String,
        path: String? = nil,
        blob: Location? = nil,
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
    package var description: String {
        Redaction.redactSecrets(
            in: Self.describe(
                code.rawValue, message, path: path, blob: blob.map { "\($0)" }, httpStatus: httpStatus,
                azureErrorCode: azureErrorCode, underlying: underlying))
    }

    /// The one-line error text shared with the library's error type: `<code>: <message> (path: ...; blob: ...;
    /// HTTP ...; Azure error: ...; cause: ...)`, leaving out what is absent. Not yet redacted.
    package static func describe(
        _ code: String, _ message: String, path: String?, blob: String?, httpStatus: Int?, azureErrorCode: String?,
        underlying: (any Error)?
    ) -> String {
        let details = [
            path.map { "path: \($0)" }, blob.map { "blob: \($0)" }, httpStatus.map { "HTTP \($0)" },
            azureErrorCode.map { "Azure error: \($0)" }, underlying.map { "cause: \($0)" },
        ].compactMap { $0 }
        return "\(code): \(message)" + (details.isEmpty ? "" : " (" + details.joined(separator: "; ") + ")")
    }
}

extension BlobError {
    /// The client's one translation of a failed system call: a missing file or folder is ``Code/notFound``, a
    /// refusal ``Code/permissionDenied``, anything else ``Code/fileSystem``; the message says what was being done.
    package init(_ error: SystemCallError, doing action: String) {
        let code: Code = error.isMissing ? .notFound : error.isPermissionDenied ? .permissionDenied : .fileSystem
        self.init(code, "\(action) failed: \(error.reason)", path: error.path)
    }
}
