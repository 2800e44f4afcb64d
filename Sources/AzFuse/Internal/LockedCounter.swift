import Synchronization

/// A counter shared between tasks.
final class LockedCounter: Sendable {
    private let value = Mutex(0)

    init() {}

    /// Adds `amount` and returns the new total.
    @discardableResult
    func add(_ amount: Int) -> Int {
        value.withLock { value in
            value += amount
            return value
        }
    }
}
