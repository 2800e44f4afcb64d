/// The cache's in-flight downloads, as a value-type state machine: which cache files are being downloaded, who waits
/// for each, and what to do when a waiter leaves or a download ends.
///
/// ``CacheStore`` owns one and executes the actions its methods return (start a download, resume waiters, cancel a
/// download nobody waits for any more). Keeping the decisions here makes them testable without tasks or timing.
///
/// - One download per key at a time; a caller arriving meanwhile waits for the same download.
/// - A waiter that leaves (its task was cancelled) is answered at once; the download goes on for the others and is
///   cancelled only when no waiter is left.
/// - A finished download answers every waiter of its generation; a caller arriving afterwards starts a new one
///   (results are not cached: the cache file itself is the result).
struct DownloadFlights<Waiter> {
    /// What ``join(_:waiter:_:)`` decided.
    enum JoinAction: Equatable {
        /// No download was running: start one and report its end with ``finish(_:generation:)``.
        case start(generation: UInt64)
        /// A download is running; the waiter was added to it.
        case wait
    }

    /// What ``leave(_:waiter:)`` decided.
    struct LeaveAction {
        /// The departing waiter, to answer with `CancellationError`; `nil` if it was already answered.
        var waiter: Waiter?
        /// The generation of a download no one waits for any more, to cancel.
        var cancelGeneration: UInt64?
    }

    private struct Flight {
        let generation: UInt64
        var waiters: [UInt64: Waiter]
    }

    private var flights: [String: Flight] = [:]
    private var lastID: UInt64 = 0

    /// The number of keys being downloaded.
    var count: Int { flights.count }

    /// The number of waiters of the download of `key`.
    func waiterCount(_ key: String) -> Int { flights[key]?.waiters.count ?? 0 }

    /// A new identifier for a waiter (identifiers and generations share one counter).
    mutating func makeID() -> UInt64 {
        lastID += 1
        return lastID
    }

    /// Adds `waiter` (identified by `id`) to the download of `key`, starting one if none is running.
    mutating func join(_ key: String, waiter id: UInt64, _ waiter: Waiter) -> JoinAction {
        if flights[key] != nil {
            flights[key]!.waiters[id] = waiter
            return .wait
        }
        let generation = makeID()
        flights[key] = Flight(generation: generation, waiters: [id: waiter])
        return .start(generation: generation)
    }

    /// Removes waiter `id` of `key` (its task was cancelled).
    mutating func leave(_ key: String, waiter id: UInt64) -> LeaveAction {
        guard var flight = flights[key], let waiter = flight.waiters.removeValue(forKey: id) else {
            return LeaveAction(waiter: nil, cancelGeneration: nil)
        }
        if flight.waiters.isEmpty {
            flights[key] = nil
            return LeaveAction(waiter: waiter, cancelGeneration: flight.generation)
        }
        flights[key] = flight
        return LeaveAction(waiter: waiter, cancelGeneration: nil)
    }

    /// Ends download `generation` of `key`.
    ///
    /// - Returns: The waiters to answer with the download's outcome; none when that download was abandoned (every
    ///   waiter left) and the key now belongs to a newer one.
    mutating func finish(_ key: String, generation: UInt64) -> [Waiter] {
        guard let flight = flights[key], flight.generation == generation else { return [] }
        flights[key] = nil
        return Array(flight.waiters.values)
    }
}
