/// The access tier of a blob: how its storage and reads are priced.
///
/// ```swift
/// try await File.setAccessTier(.cold, for: "data/old-run.tar")
/// ```
public enum AccessTier: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Frequently read data: highest storage cost, lowest read cost.
    case hot = "Hot"
    /// Data read rarely and kept at least 30 days.
    case cool = "Cool"
    /// Data read rarely and kept at least 90 days.
    case cold = "Cold"
    /// Offline storage: the blob must be rehydrated (hours) before it can be read again.
    case archive = "Archive"

    /// Parses a tier name, ignoring case: `hot`, `cool`, `cold` or `archive`.
    ///
    /// - Parameter name: The tier name.
    /// - Throws: ``AzFuseError/Code/invalidArgument`` for any other name.
    public init(parsing name: String) throws {
        guard let tier = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
            throw AzFuseError(
                .invalidArgument, "unknown access tier '\(name)'; use hot, cool, cold or archive")
        }
        self = tier
    }

    /// The lower-case name, for example `cold`.
    public var description: String { rawValue.lowercased() }
}
