import Synchronization

/// Gathers one outcome per index from concurrent deliveries and reports them all once the last arrives.
final class OutcomeCollector: Sendable {
    typealias Outcome = Result<Void, any Error>

    private struct State {
        var outcomes: [Outcome?]
        var remaining: Int
        var completion: (@Sendable ([Outcome]) -> Void)?
        var finished: [Outcome]?
    }

    private let state: Mutex<State>
    private let progress: (@Sendable (Int) -> Void)?

    init(count: Int, progress: (@Sendable (Int) -> Void)?) {
        state = Mutex(State(outcomes: Array(repeating: nil, count: count), remaining: count))
        self.progress = progress
    }

    /// Sets what to call with all outcomes; called at once if they are all in already.
    func setCompletion(_ completion: @escaping @Sendable ([Outcome]) -> Void) {
        let finished = state.withLock { state -> [Outcome]? in
            state.completion = completion
            return state.finished
        }
        if let finished { completion(finished) }
    }

    /// Records the outcome for `index`; a second outcome for the same index is ignored.
    func record(_ outcome: Outcome, at index: Int) {
        let (done, completion, finished) = state.withLock {
            state -> (Int?, (@Sendable ([Outcome]) -> Void)?, [Outcome]?) in
            guard state.outcomes[index] == nil else { return (nil, nil, nil) }
            state.outcomes[index] = outcome
            state.remaining -= 1
            let done = state.outcomes.count - state.remaining
            guard state.remaining == 0 else { return (done, nil, nil) }
            let all = state.outcomes.map { $0! }
            state.finished = all
            return (done, state.completion, all)
        }
        if let done { progress?(done) }
        if let completion, let finished { completion(finished) }
    }
}
