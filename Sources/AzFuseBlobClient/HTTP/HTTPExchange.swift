import AzFuseSystem
import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The state of one URLSession task: collects the response, streams the body to its destination, and resumes the
/// waiting caller when the task completes. Driven from the session's serial delegate queue.
final class HTTPExchange: Sendable {
    /// Error bodies are kept up to this size: enough for Azure's XML error document.
    static let errorBodyLimit = 64 * 1024

    private struct State {
        var response: HTTPURLResponse?
        var body = Data()
        var bytesWritten: Int64 = 0
        var failure: (any Error)?
        var continuation: CheckedContinuation<HTTPResponse, any Error>?
    }

    private let destination: ResponseBodyDestination
    private let state = Mutex(State())

    init(destination: ResponseBodyDestination) {
        self.destination = destination
    }

    /// Stores the continuation to resume on completion.
    func setContinuation(_ continuation: CheckedContinuation<HTTPResponse, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Records the response head.
    func receive(response: URLResponse) {
        state.withLock { $0.response = response as? HTTPURLResponse }
    }

    /// Stores or writes a piece of the body; returns `false` when the task must be cancelled.
    func receive(data: Data) -> Bool {
        state.withLock { state -> Bool in
            guard state.failure == nil else { return false }
            let isSuccess = (200..<300).contains(state.response?.statusCode ?? 0)
            switch destination {
            case .file(let descriptor, let offset) where isSuccess:
                do {
                    try Self.write(data, to: descriptor, at: offset + state.bytesWritten)
                    state.bytesWritten += Int64(data.count)
                } catch {
                    state.failure = error
                    return false
                }
            case .memory(let limit) where isSuccess:
                guard state.body.count + data.count <= limit else {
                    state.failure = BlobError(
                        .serviceError, "the response body is larger than the \(limit)-byte limit for this request")
                    return false
                }
                state.body.append(data)
            default:
                state.body.append(data.prefix(max(0, Self.errorBodyLimit - state.body.count)))
            }
            return true
        }
    }

    /// Resumes the caller with the response, or with the error that ended the task.
    func complete(error: (any Error)?) {
        let (continuation, result) = state.withLock {
            state -> (CheckedContinuation<HTTPResponse, any Error>?, Result<HTTPResponse, any Error>) in
            let continuation = state.continuation
            state.continuation = nil
            if let failure = state.failure {
                return (continuation, .failure(failure))
            }
            if let error {
                return (continuation, .failure(TransportFailure(error: error, bytesReceived: state.bytesWritten)))
            }
            guard let response = state.response else {
                return (continuation, .failure(TransportFailure(error: URLError(.badServerResponse), bytesReceived: 0)))
            }
            var headers: [String: String] = [:]
            for case (let name as String, let value as String) in response.allHeaderFields {
                headers[name] = value
            }
            return (
                continuation,
                .success(
                    HTTPResponse(
                        status: response.statusCode, headerFields: headers, body: state.body,
                        bytesWritten: state.bytesWritten))
            )
        }
        continuation?.resume(with: result)
    }

    private static func write(_ data: Data, to descriptor: Int32, at offset: Int64) throws {
        let written = data.withUnsafeBytes { buffer in
            Result { () throws(SystemCallError) in try Syscall.write(descriptor, buffer, at: offset) }
        }
        guard case .failure(let failure) = written else { return }
        throw BlobError(.fileSystem, "could not write the download to disk: \(failure.reason)")
    }
}

/// A connection-level failure (no complete response), with how much of the body had arrived.
struct TransportFailure: Error, Sendable, CustomStringConvertible {
    /// The URLSession error, stripped of its user info (which can hold the request URL and its SAS).
    let code: URLError.Code
    /// Body bytes written before the failure.
    let bytesReceived: Int64

    init(error: any Error, bytesReceived: Int64) {
        self.code = (error as? URLError)?.code ?? .unknown
        self.bytesReceived = bytesReceived
    }

    /// Whether the task was cancelled rather than failing.
    var isCancellation: Bool { code == .cancelled }

    var description: String { "URLError \(code.rawValue)" }
}
