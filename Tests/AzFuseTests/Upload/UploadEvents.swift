import Foundation
import Synchronization
import Testing

/// A one-shot event for tests: ``signal()`` once, ``wait()`` from any number of tasks, before or after.
final class OneShotEvent: Sendable {
    private let state = Mutex<(signalled: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Signals the event: every waiter goes on, and later waits return at once.
    func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.signalled = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until the event is signalled.
    func wait() async {
        await withCheckedContinuation { continuation in
            let signalled = state.withLock { state -> Bool in
                if !state.signalled { state.waiters.append(continuation) }
                return state.signalled
            }
            if signalled { continuation.resume() }
        }
    }
}

/// Suspends until the current task is cancelled: an event, not a timed wait.
func waitUntilCancelled() async {
    let cancelled = OneShotEvent()
    await withTaskCancellationHandler {
        await cancelled.wait()
    } onCancel: {
        cancelled.signal()
    }
}

extension BlobEmulator {
    /// Waits until the emulator holds back at least `count` requests (a `latencyMs` fault): they reached it and wait
    /// for their answer. The emulator is asked every few milliseconds; that interval is a poll of the event, not a
    /// guess of how long anything takes.
    func waitUntilHolding(atLeast count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try await delayedRequests() < count {
            guard ContinuousClock.now < deadline else {
                Issue.record("the emulator never held \(count) request(s)", sourceLocation: sourceLocation)
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until the emulator holds back no request any more (every held request was answered); polled like
    /// ``waitUntilHolding(atLeast:sourceLocation:)``.
    func waitUntilHoldingNone(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try await delayedRequests() > 0 {
            guard ContinuousClock.now < deadline else {
                Issue.record("the emulator still holds requests", sourceLocation: sourceLocation)
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
