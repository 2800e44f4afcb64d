/// Where the body of a successful (2xx) response goes. Error bodies always go to memory.
enum ResponseBodyDestination: Sendable {
    /// Collected in memory, failing beyond `limit` bytes.
    case memory(limit: Int)
    /// Written with `pwrite` into the open file `descriptor` starting at `offset`, on the session's delegate queue.
    case file(descriptor: Int32, offset: Int64)
}
