import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends ``BlobRequest``s to one container: builds the URL, adds the version, date and request-id headers,
/// authenticates, retries transient failures and maps error responses to ``BlobError``.
struct BlobService: Sendable {
    /// The `x-ms-version` sent with every request and signed into minted SAS tokens.
    static let serviceVersion = "2021-08-06"
    /// The default in-memory body limit: enough for a 5,000-entry listing page.
    static let defaultBodyLimit = 64 << 20

    /// The account and container.
    let account: BlobAccount
    /// Sizes, parallelism and retries.
    let configuration: BlobClient.Configuration
    /// How requests authenticate.
    let credential: BlobCredential
    /// The signer for the account key, if the account has one (used to mint SAS tokens).
    let keySigner: SharedKeySigner?
    private let transport: HTTPTransport

    init(account: BlobAccount, configuration: BlobClient.Configuration) throws(BlobError) {
        self.account = account
        self.configuration = configuration
        self.credential = try BlobCredential(account: account)
        if let key = account.accountKey, !key.isEmpty {
            self.keySigner = try SharedKeySigner(accountName: account.accountName, base64Key: key)
        } else {
            self.keySigner = nil
        }
        self.transport = HTTPTransport(
            maximumConnections: configuration.maximumConnections, requestTimeout: configuration.retry.tryTimeout)
    }

    /// The location of `blobName` (or of the container) for error reports.
    func location(_ blobName: String?) -> BlobError.Location {
        BlobError.Location(account: account.accountName, container: account.containerName, name: blobName ?? "")
    }

    /// The URL of the container, or of `blobPath` inside it, without a query.
    func resourceURLString(blobPath: String?) -> String {
        account.urlString(forBlob: blobPath)
    }

    /// Sends `request`, retrying transient failures per ``BlobClient/Configuration/retry``, and returns the first
    /// successful response.
    ///
    /// Every retry resends the whole request (a new date, request id and signature, the complete body) on a new
    /// connection, after a backoff that honours the service's `Retry-After` / `x-ms-retry-after-ms`.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - destination: Where a successful body goes.
    ///   - validate: Checks a successful response; an error it returns is retried like a transient failure
    ///     (a body cut short, for example) and thrown when attempts run out.
    /// - Throws: `BlobError`.
    func send(
        _ request: BlobRequest,
        destination: ResponseBodyDestination = .memory(limit: BlobService.defaultBodyLimit),
        validate: (@Sendable (HTTPResponse) -> BlobError?)? = nil
    ) async throws -> HTTPResponse {
        let policy = configuration.retry
        let timeout = policy.tryTimeout(bodyBytes: max(Int64(request.body?.count ?? 0), request.expectedResponseBytes))
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            guard !Task.isCancelled else { throw cancelled(request) }
            var failure: BlobError
            var retryAfter: Duration?
            do {
                let response = try await transport.perform(
                    try urlRequest(for: request, timeout: timeout),
                    body: request.body ?? (request.method == "PUT" ? Data() : nil),
                    destination: destination, freshConnection: attempt > 1)
                if (200..<300).contains(response.status) || request.acceptedStatuses.contains(response.status) {
                    guard let problem = validate?(response) else { return response }
                    failure = problem
                } else {
                    failure = BlobErrorMapper.error(
                        for: response, request: request, location: location(request.blobName))
                    guard BlobRetryPolicy.retryableStatuses.contains(response.status) else { throw failure }
                    retryAfter = BlobRetryPolicy.retryAfter(header: response.header)
                }
            } catch let transportFailure as TransportFailure {
                if transportFailure.isCancellation || Task.isCancelled { throw cancelled(request) }
                failure = transportError(transportFailure, request: request)
                guard Self.isRetryable(transportFailure.code) else { throw failure }
            }
            if failure.blob == nil { failure.blob = location(request.blobName) }
            let elapsed = started.duration(to: .now)
            guard
                let delay = policy.nextDelay(
                    afterAttempt: attempt, elapsed: elapsed, retryAfter: retryAfter, random: .random(in: 0...1))
            else {
                failure.message += Self.givingUp(attempt: attempt, elapsed: elapsed, retryAfter: retryAfter)
                throw failure
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw cancelled(request)
            }
        }
    }

    /// Whether a connection-level failure is worth retrying: all are but a malformed URL and certificate problems.
    static func isRetryable(_ code: URLError.Code) -> Bool {
        switch code {
        case .badURL, .unsupportedURL, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected,
            .clientCertificateRequired, .cancelled:
            false
        default: true
        }
    }

    /// ` (gave up after 3 attempts in 12.5 s)`, for the last failure's message.
    static func givingUp(attempt: Int, elapsed: Duration, retryAfter: Duration?) -> String {
        var text = " (gave up after \(attempt) attempt\(attempt == 1 ? "" : "s") in "
        text += String(format: "%.1f s", elapsed.seconds)
        if let retryAfter {
            text += String(format: "; the service asked to wait %.1f s more", retryAfter.seconds)
        }
        return text + "; raise AZFUSE_MAX_RETRIES or AZFUSE_RETRY_BUDGET_SECONDS to keep trying longer)"
    }

    private func urlRequest(for request: BlobRequest, timeout: Duration) throws -> URLRequest {
        var urlString = resourceURLString(blobPath: request.blobName)
        var queryItems = request.query.map {
            PercentEncoding.encodeQueryValue($0.0) + "=" + PercentEncoding.encodeQueryValue($0.1)
        }
        if case .sas(let token) = credential { queryItems.append(token) }
        if !queryItems.isEmpty { urlString += "?" + queryItems.joined(separator: "&") }
        guard let url = URL(string: urlString) else {
            throw BlobError(
                .invalidArgument, "\(request.operation): the blob name does not form a valid URL",
                blob: location(request.blobName))
        }
        var headers = request.headers
        headers["x-ms-version"] = Self.serviceVersion
        headers["x-ms-date"] = HTTPDate.rfc1123(Date())
        headers["x-ms-client-request-id"] = UUID().uuidString
        if let body = request.body {
            headers["Content-Length"] = String(body.count)
            // The service accepts or refuses the request before the body goes out. It also keeps libcurl from
            // resending the request by itself when a reused connection drops mid-body, which it would do with an
            // empty body (FoundationNetworking cannot rewind a body) and then hang until the try timed out.
            if !body.isEmpty { headers["Expect"] = "100-continue" }
        } else if request.method == "PUT" {
            headers["Content-Length"] = "0"
        }
        if case .sharedKey(let signer) = credential {
            headers["Authorization"] = signer.authorization(method: request.method, url: url, headers: headers)
        }
        var urlRequest = URLRequest(url: url, timeoutInterval: timeout.seconds.rounded(.up))
        urlRequest.httpMethod = request.method
        for (name, value) in headers {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }
        return urlRequest
    }

    private func cancelled(_ request: BlobRequest) -> BlobError {
        BlobError(.cancelled, "\(request.operation) was cancelled", blob: location(request.blobName))
    }

    private func transportError(_ failure: TransportFailure, request: BlobRequest) -> BlobError {
        if failure.bytesReceived > 0 {
            return BlobError(
                .integrityCheckFailed,
                "\(request.operation): the response body was cut short after \(failure.bytesReceived) bytes",
                blob: location(request.blobName), underlying: URLError(failure.code))
        }
        return BlobError(
            .transport, "\(request.operation): the connection failed (URLError \(failure.code.rawValue))",
            blob: location(request.blobName), underlying: URLError(failure.code))
    }
}
