extension FolderListing {
    /// An entry's logical path: the listed folder as the caller spelled it (see ``Namespace/listingBase``) joined
    /// with the name below it.
    static func join(_ base: String, _ name: String) -> String {
        base == "/" ? "/" + name : base + "/" + name
    }

    /// The listing with its entries and skipped names sorted by name, byte for byte (a file before a folder of the
    /// same name).
    func sortedByName() -> FolderListing {
        var listing = self
        listing.entries.sort {
            $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
                || ($0.name.utf8.elementsEqual($1.name.utf8) && $0.kind == .file && $1.kind == .folder)
        }
        listing.skippedBlobNames.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return listing
    }
}
