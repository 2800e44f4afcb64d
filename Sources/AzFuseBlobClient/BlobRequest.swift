import Foundation

/// A Blob service request before authentication: the operation, the target and the headers that matter to it.
/// ``BlobService`` turns it into a signed `URLRequest` afresh for every attempt (new date, new request id).
struct BlobRequest: Sendable {
    /// The operation name for error messages, for example `Get Blob`.
    var operation: String
    /// The HTTP method.
    var method: String
    /// The blob name, or `nil` for a container-level request.
    var blobName: String?
    /// Query parameters, unencoded, in the order they are sent.
    var query: [(String, String)] = []
    /// Operation headers (not the auth, date, version or request-id headers).
    var headers: [String: String] = [:]
    /// The request body, if any.
    var body: Data?
    /// How many body bytes a successful response brings (a ranged GET's length), to size the attempt's timeout.
    var expectedResponseBytes: Int64 = 0
    /// Statuses besides 2xx that count as success (304 for a conditional GET).
    var acceptedStatuses: Set<Int> = []
}
