import Foundation

/// Turns an error response into a ``BlobError`` with the right code, location, status and Azure error code.
///
/// The service's own error message is not copied: for authentication failures it can quote the request signature.
enum BlobErrorMapper {
    /// The error for a non-success response to `request`.
    static func error(for response: HTTPResponse, request: BlobRequest, location: BlobError.Location)
        -> BlobError
    {
        let azureCode = response.header("x-ms-error-code") ?? errorCode(inXML: response.body)
        let code = errorCode(status: response.status, azureCode: azureCode)
        var message = "\(request.operation) failed with HTTP \(response.status)"
        if let azureCode { message += " \(azureCode)" }
        message += ": " + advice(for: code)
        return BlobError(code, message, blob: location, httpStatus: response.status, azureErrorCode: azureCode)
    }

    /// The error code for a status and Azure error code.
    static func errorCode(status: Int, azureCode: String?) -> BlobError.Code {
        switch status {
        case 404: .notFound
        case 403
        where azureCode == "AuthorizationPermissionMismatch" || azureCode == "AuthorizationFailure"
            || azureCode == "AuthorizationResourceTypeMismatch":
            .permissionDenied
        case 401, 403: .authenticationFailed
        case 409: .conflict
        case 412: .changedWhileReading
        case 429, 503: .throttled
        default: .serviceError
        }
    }

    /// The `<Code>` element of an Azure XML error body.
    static func errorCode(inXML body: Data) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        guard let start = text.range(of: "<Code>"),
            let end = text.range(of: "</Code>", range: start.upperBound..<text.endIndex)
        else { return nil }
        let code = text[start.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        return code.isEmpty ? nil : code
    }

    private static func advice(for code: BlobError.Code) -> String {
        switch code {
        case .notFound: "the blob or container does not exist"
        case .authenticationFailed:
            "the service rejected the credentials; check the account key, or the SAS token's signature and expiry"
        case .permissionDenied: "the credentials do not allow this operation; check the SAS permissions"
        case .conflict: "the resource already exists or is in a conflicting state"
        case .changedWhileReading: "the blob changed while it was being read"
        case .throttled: "the service is busy or throttling this client; retry later"
        default: "the service returned an unexpected status"
        }
    }
}
