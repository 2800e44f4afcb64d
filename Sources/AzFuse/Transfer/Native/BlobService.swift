import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends ``BlobRequest``s to one container: builds the URL, adds the version, date and request-id headers,
/// authenticates, retries transient failures and maps error responses to ``AzFuseError``.
struct BlobService: Sendable {
    /// The `x-ms-version` sent with every request and signed into minted SAS tokens.
    static let serviceVersion = "2021-08-06"
    /// HTTP statuses worth retrying.
    static let retryableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]
    /// The default in-memory body limit: enough for a 5,000-entry listing page.
    static let defaultBodyLimit = 64 << 20

    /// The account and container.
    let account: StorageAccount
    /// Sizes, parallelism and retries.
    let configuration: BlobClient.Configuration
    /// How requests authenticate.
    let credential: BlobCredential
    /// The signer for the account key, if the account has one (used to mint SAS tokens).
    let keySigner: SharedKeySigner?
    private let transport: HTTPTransport

    init(account: StorageAccount, configuration: BlobClient.Configuration) throws(AzFuseError) {
        self.account = account
        self.configuration = configuration
        self.credential = try BlobCredential(account: account)
        if let key = account.accountKey, !key.isEmpty {
            self.keySigner = try SharedKeySigner(accountName: account.accountName, base64Key: key)
        } else {
            self.keySigner = nil
        }
        self.transport = HTTPTransport(
            maximumConnections: configuration.maximumConnections, requestTimeout: configuration.requestTimeout)
    }

    /// The location of `blobName` (or of the container) for error reports.
    func location(_ blobName: String?) -> AzFuseError.BlobLocation {
        AzFuseError.BlobLocation(account: account.accountName, container: account.containerName, name: blobName ?? "")
    }

    /// The URL of the container, or of `blobPath` inside it, without a query.
    func resourceURLString(blobPath: String?) -> String {
        var base = account.endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        base += "/" + PercentEncoding.encodePath(account.containerName)
        if let blobPath { base += "/" + PercentEncoding.encodePath(blobPath) }
        return base
    }

    /// Sends `request`, retrying transient failures, and returns the first successful response.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - destination: Where a successful body goes.
    ///   - validate: Checks a successful response; an error it returns is retried like a transient failure
    ///     (a body cut short, for example) and thrown when attempts run out.
    /// - Throws: `AzFuseError`.
    func send(
        _ request: BlobRequest,
        destination: ResponseBodyDestination = .memory(limit: BlobService.defaultBodyLimit),
        validate: (@Sendable (HTTPResponse) -> AzFuseError?)? = nil
    ) async throws -> HTTPResponse {
        let policy = configuration.retry
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            guard !Task.isCancelled else { throw cancelled(request) }
            var failure: AzFuseError
            do {
                let response = try await transport.perform(
                    try urlRequest(for: request), body: request.body ?? (request.method == "PUT" ? Data() : nil),
                    destination: destination)
                if (200..<300).contains(response.status) || request.acceptedStatuses.contains(response.status) {
                    guard let problem = validate?(response) else { return response }
                    failure = problem
                } else {
                    failure = BlobErrorMapper.error(for: response, request: request, location: location(request.blobName))
                    guard Self.retryableStatuses.contains(response.status) else { throw failure }
                }
            } catch let transportFailure as TransportFailure {
                if transportFailure.isCancellation || Task.isCancelled { throw cancelled(request) }
                failure = transportError(transportFailure, request: request)
            }
            if failure.blob == nil { failure.blob = location(request.blobName) }
            let delay = policy.delay(beforeRetry: attempt)
            guard attempt < policy.maxAttempts, started.duration(to: .now) + delay < policy.deadline else {
                failure.message += " (gave up after \(attempt) attempt\(attempt == 1 ? "" : "s"))"
                throw failure
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw cancelled(request)
            }
        }
    }

    private func urlRequest(for request: BlobRequest) throws -> URLRequest {
        var urlString = resourceURLString(blobPath: request.blobName)
        var queryItems = request.query.map {
            PercentEncoding.encodeQueryValue($0.0) + "=" + PercentEncoding.encodeQueryValue($0.1)
        }
        if case .sas(let token) = credential { queryItems.append(token) }
        if !queryItems.isEmpty { urlString += "?" + queryItems.joined(separator: "&") }
        guard let url = URL(string: urlString) else {
            throw AzFuseError(
                .invalidArgument, "\(request.operation): the blob name does not form a valid URL",
                blob: location(request.blobName))
        }
        var headers = request.headers
        headers["x-ms-version"] = Self.serviceVersion
        headers["x-ms-date"] = HTTPDate.rfc1123(Date())
        headers["x-ms-client-request-id"] = UUID().uuidString
        if let body = request.body {
            headers["Content-Length"] = String(body.count)
        } else if request.method == "PUT" {
            headers["Content-Length"] = "0"
        }
        if case .sharedKey(let signer) = credential {
            headers["Authorization"] = signer.authorization(method: request.method, url: url, headers: headers)
        }
        var urlRequest = URLRequest(url: url, timeoutInterval: configuration.requestTimeout.seconds)
        urlRequest.httpMethod = request.method
        for (name, value) in headers {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }
        return urlRequest
    }

    private func cancelled(_ request: BlobRequest) -> AzFuseError {
        AzFuseError(.cancelled, "\(request.operation) was cancelled", blob: location(request.blobName))
    }

    private func transportError(_ failure: TransportFailure, request: BlobRequest) -> AzFuseError {
        if failure.bytesReceived > 0 {
            return AzFuseError(
                .integrityCheckFailed,
                "\(request.operation): the response body was cut short after \(failure.bytesReceived) bytes",
                blob: location(request.blobName), underlying: URLError(failure.code))
        }
        return AzFuseError(
            .transport, "\(request.operation): the connection failed (URLError \(failure.code.rawValue))",
            blob: location(request.blobName), underlying: URLError(failure.code))
    }
}
