/// How far a multi-file transfer (such as `prepare`) has come.
public struct TransferProgress: Sendable, Hashable {
    /// Files finished so far, successfully or not.
    public var completedFiles: Int
    /// Files the operation will transfer in all (cached and unmapped files excluded).
    public var totalFiles: Int

    /// Creates a progress report.
    public init(completedFiles: Int, totalFiles: Int) {
        self.completedFiles = completedFiles
        self.totalFiles = totalFiles
    }
}
