/// The steps of a top-down folder walk, from ``AzFuseClient/walk(_:)`` or ``File/walk(_:)``: an `AsyncSequence` that lists
/// one folder per step, as you iterate.
public struct FolderWalk: AsyncSequence, Sendable {
    /// One folder of the walk, with what it holds.
    public struct Step: Sendable, Hashable {
        /// The folder's logical path.
        public var folder: String
        /// Its subfolders, sorted by name.
        public var subfolders: [FolderEntry]
        /// Its files, sorted by name.
        public var files: [FolderEntry]
        /// The blobs directly in this folder that have no logical path and were left out (see ``FolderListing``).
        public var skippedBlobNames: [String] = []
    }

    /// Produces the steps: lists the next folder on each call.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let fuse: AzFuseClient
        var pending: [String]

        /// Lists the next folder.
        ///
        /// - Returns: The next step, or `nil` when the walk is over.
        /// - Throws: ``AzFuseError`` naming the folder that could not be listed.
        public mutating func next() async throws -> Step? {
            guard let folder = pending.popLast() else { return nil }
            let listing = try await fuse.listing(folder)
            let entries = listing.entries
            let subfolders = entries.filter(\.isFolder)
            for subfolder in subfolders.reversed() where try !fuse.namespace(for: subfolder.path).isSymbolicLink() {
                pending.append(subfolder.path)
            }
            return Step(
                folder: folder, subfolders: subfolders, files: entries.filter { !$0.isFolder },
                skippedBlobNames: listing.skippedBlobNames)
        }
    }

    let fuse: AzFuseClient
    let root: String

    /// Starts the walk.
    ///
    /// - Returns: An iterator whose first step is the starting folder.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(fuse: fuse, pending: [root])
    }
}
