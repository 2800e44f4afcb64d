extension AzFuseError {
    /// This error, naming `path` (the logical path the caller used) as its ``path``; a different path it named
    /// before moves into the message as "(local file …)" unless the message names it already.
    ///
    /// The cache has its own variant, `CacheStore.naming(_:path:cacheRoot:)`, which also points at the cache folder
    /// to fix instead of AzFuse's internal files.
    func naming(_ path: String) -> AzFuseError {
        var error = self
        if let previous = error.path, previous != path, !error.message.contains(previous) {
            error.message += " (local file \(previous))"
        }
        error.path = path
        return error
    }

    /// Runs `body`; an ``AzFuseError`` it throws is made to name `path` (see ``naming(_:)``).
    static func naming<Result>(_ path: String, _ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let error as AzFuseError {
            throw error.naming(path)
        }
    }

    /// Runs `body`; an ``AzFuseError`` it throws is made to name `path` (see ``naming(_:)``).
    static func naming<Result>(
        _ path: String, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await body()
        } catch let error as AzFuseError {
            throw error.naming(path)
        }
    }
}
