import Dispatch

/// Runs blocking file work (large reads, hashing) on a Dispatch queue so it never occupies a thread of Swift's
/// cooperative pool.
package enum BlockingIO {
    private static let queue = DispatchQueue(label: "AzFuse.BlockingIO", qos: .utility, attributes: .concurrent)

    /// Runs `body` on the blocking-I/O queue and returns its result.
    package static func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Swift.Result { try body() })
            }
        }
    }
}
