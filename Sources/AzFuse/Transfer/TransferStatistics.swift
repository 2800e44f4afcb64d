/// Counts of what the transfer machinery did, for tests and the benchmark program.
package struct TransferStatistics: Sendable, Equatable {
    /// Download batches started per engine.
    package var batches: [TransferOptions.Engine: Int] = [:]
    /// Files downloaded per engine.
    package var files: [TransferOptions.Engine: Int] = [:]
    /// Upload batches started per engine.
    package var uploadBatches: [TransferOptions.Engine: Int] = [:]
    /// Files uploaded per engine.
    package var uploadFiles: [TransferOptions.Engine: Int] = [:]
    /// azcopy processes started.
    package var azcopyInvocations = 0
}
