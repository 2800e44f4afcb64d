import Synchronization

/// Something a test waits for, counted: one task signals it, another waits until it has happened often enough,
/// without sleeping. Used as a gate too: the work waits for it, the test signals it once to open the gate.
final class TestEvent: Sendable {
    private struct State {
        var count = 0
        var waiters: [(id: UInt64, target: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    init() {}

    /// How many times the event has been signalled.
    var count: Int { state.withLock { $0.count } }

    /// Records one occurrence and wakes the waiters whose count is reached.
    ///
    /// - Returns: How many times the event has been signalled, this time included.
    @discardableResult
    func signal() -> Int {
        let (count, ready) = state.withLock { state -> (Int, [CheckedContinuation<Void, any Error>]) in
            state.count += 1
            let count = state.count
            let ready = state.waiters.filter { $0.target <= count }.map(\.continuation)
            state.waiters.removeAll { $0.target <= count }
            return (count, ready)
        }
        for continuation in ready { continuation.resume() }
        return count
    }

    /// Waits until the event has been signalled at least `count` times.
    ///
    /// - Throws: `CancellationError` if the waiting task is cancelled first.
    func wait(count target: Int = 1) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if state.count >= target { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters.append((id, target, continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }
}
