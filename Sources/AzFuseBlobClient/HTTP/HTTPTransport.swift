import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One URLSession with a delegate that streams every response body to its ``HTTPExchange``.
///
/// Bodies are handled on the session's own serial delegate queue, never on the cooperative thread pool.
///
/// A request sent with `freshConnection` goes through a session of its own, discarded afterwards, so it opens a new
/// connection: on Linux (libcurl), a request sent on a pooled connection the server has dropped can go out with an
/// empty body and hang until it times out.
final class HTTPTransport: Sendable {
    private let session: URLSession
    private let delegate: SessionDelegate
    private let queue: OperationQueue
    private let requestTimeout: Duration

    /// Creates a session allowing `maximumConnections` connections per host; `requestTimeout` applies to requests
    /// that do not set their own.
    init(maximumConnections: Int, requestTimeout: Duration) {
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        queue.name = "AzFuse.HTTPTransport.delegate"
        self.queue = queue
        self.requestTimeout = requestTimeout
        delegate = SessionDelegate()
        session = URLSession(
            configuration: Self.sessionConfiguration(maximumConnections: maximumConnections, timeout: requestTimeout),
            delegate: delegate, delegateQueue: queue)
    }

    private static func sessionConfiguration(maximumConnections: Int, timeout: Duration) -> URLSessionConfiguration {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = maximumConnections
        configuration.timeoutIntervalForRequest = timeout.seconds
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        return configuration
    }

    deinit {
        session.invalidateAndCancel()
    }

    /// Sends `request` (with the whole `body`, if any) once and returns the response, whatever its status.
    ///
    /// - Parameter freshConnection: Send on a new connection rather than a pooled one (for retries).
    /// - Throws: ``TransportFailure`` when no complete response arrived (including cancellation), or the
    ///   `BlobError` a body destination raised.
    func perform(
        _ request: URLRequest, body: Data?, destination: ResponseBodyDestination, freshConnection: Bool = false
    ) async throws -> HTTPResponse {
        guard freshConnection else {
            return try await perform(request, body: body, destination: destination, on: session)
        }
        let oneOff = URLSession(
            configuration: Self.sessionConfiguration(maximumConnections: 1, timeout: requestTimeout),
            delegate: delegate, delegateQueue: queue)
        defer { oneOff.invalidateAndCancel() }
        return try await perform(request, body: body, destination: destination, on: oneOff)
    }

    private func perform(
        _ request: URLRequest, body: Data?, destination: ResponseBodyDestination, on session: URLSession
    ) async throws -> HTTPResponse {
        let task = body.map { session.uploadTask(with: request, from: $0) } ?? session.dataTask(with: request)
        let exchange = HTTPExchange(destination: destination)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                exchange.setContinuation(continuation)
                delegate.register(exchange, for: task)
                if Task.isCancelled {
                    task.cancel()
                }
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }
}

/// Routes URLSession delegate callbacks to the ``HTTPExchange`` of each task.
private final class SessionDelegate: NSObject, URLSessionDataDelegate, Sendable {
    /// Keyed by task object: task identifiers are unique only within one session.
    private let exchanges = Mutex<[ObjectIdentifier: HTTPExchange]>([:])

    func register(_ exchange: HTTPExchange, for task: URLSessionTask) {
        exchanges.withLock { $0[ObjectIdentifier(task)] = exchange }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        exchange(for: dataTask)?.receive(response: response)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        if exchange(for: dataTask)?.receive(data: data) == false {
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let exchange = exchanges.withLock { $0.removeValue(forKey: ObjectIdentifier(task)) }
        exchange?.complete(error: error)
    }

    private func exchange(for task: URLSessionTask) -> HTTPExchange? {
        exchanges.withLock { $0[ObjectIdentifier(task)] }
    }
}
