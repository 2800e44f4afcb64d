/// Maps what azcopy reports (HTTP statuses as text, storage service error codes) onto ``AzFuseError/Code``.
enum AzCopyFailureClassifier {
    /// The error code for a failure azcopy attributed to one transfer or scan entry.
    ///
    /// - Parameters:
    ///   - httpStatus: The HTTP status azcopy quoted (its `ErrorCode` field is usually one).
    ///   - serviceCode: The storage service's error code, if known for this failure.
    ///   - jobServiceCodes: Every service code seen anywhere in the job's output, used to tell an expired SAS from
    ///     one that lacks a permission when azcopy gives only `403`.
    static func code(httpStatus: Int?, serviceCode: String?, jobServiceCodes: Set<String> = []) -> AzFuseError.Code {
        if let serviceCode, let code = code(forServiceCode: serviceCode) { return code }
        switch httpStatus {
        case 401: return .authenticationFailed
        case 403:
            let permissionCodes = jobServiceCodes.filter { code(forServiceCode: $0) == .permissionDenied }
            return !permissionCodes.isEmpty && !jobServiceCodes.contains("AuthenticationFailed")
                ? .permissionDenied : .authenticationFailed
        case 404: return .notFound
        case 409: return .conflict
        case 412: return .changedWhileReading
        case 429, 503: return .throttled
        case .some(500...599): return .serviceError
        default: return .transferFailed
        }
    }

    /// The job-level error code when azcopy did not attribute a failure to particular items.
    static func jobCode(for parser: AzCopyOutputParser) -> AzFuseError.Code {
        if parser.reportedAuthenticationFailure { return .authenticationFailed }
        for serviceCode in parser.serviceCodes.sorted() {
            if let code = code(forServiceCode: serviceCode), code == .permissionDenied { return code }
        }
        return .transferFailed
    }

    /// What the user can do about a failure with this code, as a sentence fragment starting with "; ", or "".
    static func hint(for code: AzFuseError.Code) -> String {
        switch code {
        case .authenticationFailed: "; the SAS was rejected: it is expired, malformed or signed with another key"
        case .permissionDenied: "; the SAS does not grant the permissions this transfer needs"
        default: ""
        }
    }

    private static func code(forServiceCode serviceCode: String) -> AzFuseError.Code? {
        switch serviceCode {
        case "AuthenticationFailed", "InvalidAuthenticationInfo", "NoAuthenticationInformation":
            .authenticationFailed
        case "AuthorizationFailure", "AuthorizationPermissionMismatch", "AuthorizationProtocolMismatch",
            "AuthorizationResourceTypeMismatch", "AuthorizationServiceMismatch", "AuthorizationSourceIPMismatch",
            "InsufficientAccountPermissions":
            .permissionDenied
        case "BlobNotFound", "ContainerNotFound", "ResourceNotFound": .notFound
        case "ConditionNotMet": .changedWhileReading
        case "ServerBusy", "OperationTimedOut": .throttled
        case "Md5Mismatch": .integrityCheckFailed
        default: nil
        }
    }
}
