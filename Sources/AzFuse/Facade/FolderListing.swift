/// A folder listing from ``AzFuseClient/listing(_:recursive:)``: the entries, and the blobs that could not be listed.
///
/// A blob is listed only under a logical path that maps back to exactly that blob. A name with an empty segment
/// (`a//b`, or a trailing `/`), a `.` or `..` segment, or one that falls under another mount listed earlier in the
/// configuration, has no such path: `cat` of any path built from it would read a different blob, or a file outside
/// the mount. Such blobs are left out of ``entries`` and named in ``skippedBlobNames`` instead; rename them (for
/// example with azcopy or the portal) to reach them through AzFuse. An empty blob whose name ends in `/` is a folder
/// marker left by some tools: it is neither listed nor reported.
public struct FolderListing: Sendable, Hashable {
    /// The files and subfolders, sorted by name, byte for byte.
    public var entries: [FolderEntry]
    /// The full names (in the container) of blobs below the folder that have no logical path, sorted. In a listing
    /// that is not recursive, a name ending in `/` stands for every blob whose name starts with it.
    public var skippedBlobNames: [String]

    /// Creates a listing.
    ///
    /// - Parameters:
    ///   - entries: The files and subfolders.
    ///   - skippedBlobNames: The blobs left out.
    public init(entries: [FolderEntry], skippedBlobNames: [String] = []) {
        self.entries = entries
        self.skippedBlobNames = skippedBlobNames
    }
}
