// The Internal folder's contract: small helpers with no knowledge of blobs or caches that the library's other
// folders share (bounded task groups, an async semaphore, the open-file budget, file operations throwing
// AzFuseError, folder checks that never follow symbolic links). System calls themselves live in AzFuseSystem.

/// Runs an async operation for many elements, a bounded number at a time, in one task group.
///
/// Every task group in AzFuse that collects per-element outcomes goes through ``concurrentMap(_:limit:onCompletion:_:)``.
/// Its child tasks have exactly one shape, `{ (index, await outcome(...)) }`: the `do`/`catch` lives in the named
/// function ``outcome(of:for:)``, never in the child closure. Swift 6.3.1's release builds miscompile child closures
/// that return a tuple from both branches of a `do`/`catch` around an `await` (LLVM's dead store elimination drops
/// the part of the result written before the suspension; see Docs/KnownIssues.md), which loses or corrupts
/// outcomes; this shape is compiled correctly.
enum BoundedConcurrency {
    /// Runs `operation` for every element, at most `limit` at once, and returns the outcomes in input order.
    ///
    /// Elements start in input order; a new one starts as soon as one finishes. A failure does not stop the others.
    /// Cancelling the calling task cancels the running operations (each decides what cancellation means to it); the
    /// elements not started yet still start, so `operation` should check for cancellation first if it must not.
    ///
    /// - Parameters:
    ///   - elements: What to run `operation` for.
    ///   - limit: The largest number of operations running at once (at least 1 is used).
    ///   - onCompletion: Called on the calling task after each operation finishes, with the number finished so far.
    ///   - operation: The work for one element.
    ///   - isolation: The caller's isolation, which the collecting loop and `onCompletion` run in.
    /// - Returns: One outcome per element, at the element's position.
    static func concurrentMap<Element: Sendable, Success: Sendable>(
        _ elements: [Element],
        limit: Int,
        onCompletion: ((Int) -> Void)? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ operation: @escaping @Sendable (Element) async throws -> Success
    ) async -> [Result<Success, any Error>] {
        var outcomes = [Result<Success, any Error>?](repeating: nil, count: elements.count)
        await withTaskGroup(of: (Int, Result<Success, any Error>).self, isolation: isolation) { group in
            var next = 0
            func startNext() {
                guard next < elements.count else { return }
                let index = next
                let element = elements[index]
                next += 1
                // Keep this closure free of do/catch: see the type's documentation.
                group.addTask { (index, await outcome(of: operation, for: element)) }
            }
            for _ in 0..<min(max(limit, 1), elements.count) { startNext() }
            var finished = 0
            for await (index, result) in group {
                outcomes[index] = result
                finished += 1
                onCompletion?(finished)
                startNext()
            }
        }
        return outcomes.map { $0 ?? .failure(CancellationError()) }
    }

    /// The outcome of `operation` for `element`, with a thrown error as a failure.
    @inline(never)
    static func outcome<Element, Success>(
        of operation: @Sendable (Element) async throws -> Success, for element: Element
    ) async -> Result<Success, any Error> {
        do {
            return .success(try await operation(element))
        } catch {
            return .failure(error)
        }
    }
}
