import Synchronization

/// Runs at most one piece of work per key at a time and shares its result with every caller that asks meanwhile.
///
/// A caller whose task is cancelled leaves at once with `CancellationError`; the shared work goes on for the others
/// and is cancelled only when no caller is left waiting for it. A caller arriving after the work finished starts it
/// again (results are not cached).
final class SingleFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Flight {
        let generation: UInt64
        let work: Task<Void, Never>
        var waiters: [UInt64: CheckedContinuation<Value, any Error>]
    }

    private struct State {
        var flights: [Key: Flight] = [:]
        var nextID: UInt64 = 0

        mutating func makeID() -> UInt64 {
            nextID += 1
            return nextID
        }
    }

    private let state = Mutex(State())

    init() {}

    /// The number of keys with work in progress (for tests and diagnostics).
    var inFlightCount: Int { state.withLock { $0.flights.count } }

    /// The number of callers waiting for the work for `key` (for tests and diagnostics).
    func waiterCount(for key: Key) -> Int { state.withLock { $0.flights[key]?.waiters.count ?? 0 } }

    /// Returns the result of the work for `key`, starting `work` only if none is in progress.
    ///
    /// - Parameters:
    ///   - key: What the work is about, for example a cache file path.
    ///   - work: The work to start if none is running for `key`. It runs in its own task.
    /// - Returns: The shared result.
    /// - Throws: The work's error, or `CancellationError` if this caller's task is cancelled.
    func run(_ key: Key, _ work: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let waiterID = state.withLock { $0.makeID() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    if state.flights[key] != nil {
                        state.flights[key]!.waiters[waiterID] = continuation
                    } else {
                        let generation = state.makeID()
                        let task = Task {
                            let result: Result<Value, any Error>
                            do { result = .success(try await work()) } catch { result = .failure(error) }
                            self.finish(key, generation: generation, with: result)
                        }
                        state.flights[key] = Flight(
                            generation: generation, work: task, waiters: [waiterID: continuation])
                    }
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let (continuation, abandonedWork) = state.withLock {
                state -> (CheckedContinuation<Value, any Error>?, Task<Void, Never>?) in
                guard var flight = state.flights[key], let continuation = flight.waiters.removeValue(forKey: waiterID)
                else { return (nil, nil) }
                if flight.waiters.isEmpty {
                    state.flights[key] = nil
                    return (continuation, flight.work)
                }
                state.flights[key] = flight
                return (continuation, nil)
            }
            continuation?.resume(throwing: CancellationError())
            abandonedWork?.cancel()
        }
    }

    private func finish(_ key: Key, generation: UInt64, with result: Result<Value, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, any Error>] in
            guard let flight = state.flights[key], flight.generation == generation else { return [] }
            state.flights[key] = nil
            return Array(flight.waiters.values)
        }
        for waiter in waiters { waiter.resume(with: result) }
    }
}
