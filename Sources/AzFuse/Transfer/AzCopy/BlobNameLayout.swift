/// Checks that blob names can be laid out as files under one local folder, and splits batches whose names collide.
///
/// azcopy's `--list-of-files` maps each blob name to the same relative path under the local side of the copy, so a
/// name must be a clean relative path, and one batch cannot hold both `a` (a file) and `a/b` (which needs `a` to be
/// a folder), nor the same name twice.
enum BlobNameLayout {
    /// Why `name` cannot be a relative local path, or nil if it can.
    static func problem(with name: String) -> String? {
        if name.isEmpty { return "the blob name is empty" }
        if name.hasPrefix("/") { return "the blob name starts with '/'" }
        if name.hasSuffix("/") { return "the blob name ends with '/'" }
        if name.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) {
            return "the blob name contains a line break or NUL character"
        }
        for segment in name.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { return "the blob name contains an empty path segment ('//')" }
            if segment == "." || segment == ".." { return "the blob name contains a '.' or '..' path segment" }
            if segment.utf8.count > 255 { return "a path segment of the blob name is longer than 255 bytes" }
        }
        return nil
    }

    /// Splits item indices into rounds in which no name equals another or is a folder of another.
    ///
    /// Items keep their relative order, so for a repeated name the later item lands in a later round.
    ///
    /// - Parameter names: Valid blob names (see ``problem(with:)``), one per item.
    /// - Returns: Rounds of indices into `names`; usually just one.
    static func conflictFreeRounds(_ names: [String]) -> [[Int]] {
        var rounds: [(indices: [Int], files: Set<Substring>, folders: Set<Substring>)] = []
        for (index, name) in names.enumerated() {
            let full = Substring(name)
            let folders = parentFolders(of: name)
            let round = rounds.firstIndex { round in
                !round.files.contains(full) && !round.folders.contains(full)
                    && folders.allSatisfy { !round.files.contains($0) }
            }
            if let round {
                rounds[round].indices.append(index)
                rounds[round].files.insert(full)
                rounds[round].folders.formUnion(folders)
            } else {
                rounds.append(([index], [full], Set(folders)))
            }
        }
        return rounds.map(\.indices)
    }

    /// `a`, `a/b` for `a/b/c`.
    private static func parentFolders(of name: String) -> [Substring] {
        name.indices.filter { name[$0] == "/" }.map { name[..<$0] }
    }
}
