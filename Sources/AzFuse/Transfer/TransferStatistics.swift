/// Counts of what the transfer machinery did, for tests and the benchmark program.
package struct TransferStatistics: Sendable, Equatable {
    /// Batches started per engine.
    package var batches: [TransferOptions.Engine: Int] = [:]
    /// Files sent per engine.
    package var files: [TransferOptions.Engine: Int] = [:]
    /// azcopy processes started.
    package var azcopyInvocations = 0
}
