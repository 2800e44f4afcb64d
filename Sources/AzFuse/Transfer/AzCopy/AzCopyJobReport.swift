import AzFuseBlobClient

/// What one finished azcopy job says about each item of its batch.
///
/// azcopy attributes some failures to files (`FailedTransfers`, `SkippedTransfers`, entries skipped while scanning
/// `--list-of-files`) and reports others only for the job (a non-zero exit, an `Error` message, a cancelled job).
struct AzCopyJobReport: Sendable {
    /// Errors azcopy attributed to particular blobs, keyed by blob name.
    let failuresByBlobName: [String: AzFuseError]
    /// The job-level error, when the job as a whole did not run to completion (no final summary, an `Error`
    /// message, a `Cancelled` or `Failed` job) or exited with an error without naming any failed file.
    let jobError: AzFuseError?
    /// Whether azcopy's final summary accounts for every item: each either completed or failed by name.
    let accountsForEveryItem: Bool
    /// The error for items the job neither completed nor failed by name.
    let unaccountedError: AzFuseError

    /// Interprets a finished job.
    ///
    /// - Parameters:
    ///   - outcome: The finished azcopy run.
    ///   - folder: The job folder, to map azcopy's local paths back to blob names.
    ///   - itemCount: How many entries the job's `--list-of-files` held.
    ///   - verb: `download` or `upload`, for messages.
    init(_ outcome: AzCopyInvocation.Outcome, folder: AzCopyJobFolder, itemCount: Int, verb: String) {
        let parser = outcome.parser
        let summary = parser.sawEndOfJob ? parser.latestSummary : nil
        var failures: [String: AzFuseError] = [:]
        for failure in parser.scanFailures.values {
            let code =
                failure.reason.contains("no such file or directory")
                ? .notFound
                : AzCopyFailureClassifier.code(
                    httpStatus: failure.httpStatus,
                    serviceCode: failure.serviceCode,
                    jobServiceCodes: parser.serviceCodes
                )
            let answer = [failure.httpStatus.map { "HTTP \($0)" }, failure.serviceCode].compactMap { $0 }
            let explanation = answer.isEmpty ? failure.reason : "the service answered " + answer.joined(separator: " ")
            failures[failure.entry] = AzFuseError(
                code,
                "azcopy left it out of the \(verb): \(explanation)\(AzCopyFailureClassifier.hint(for: code))",
                httpStatus: failure.httpStatus,
                azureErrorCode: failure.serviceCode
            )
        }
        for transfer in summary?.failedTransfers ?? [] {
            let localPath = verb == "download" ? transfer.destination : transfer.source
            guard let name = folder.blobName(forStagingPath: localPath) else { continue }
            let status = Int(transfer.errorCode).flatMap { (100...599).contains($0) ? $0 : nil }
            let code = AzCopyFailureClassifier.code(
                httpStatus: status,
                serviceCode: nil,
                jobServiceCodes: parser.serviceCodes
            )
            let reported = status.map { "HTTP \($0)" } ?? "error code '\(transfer.errorCode)'"
            failures[name] = AzFuseError(
                code,
                "azcopy \(verb) failed (\(reported))\(AzCopyFailureClassifier.hint(for: code))",
                httpStatus: status
            )
        }
        for transfer in summary?.skippedTransfers ?? [] {
            let localPath = verb == "download" ? transfer.destination : transfer.source
            guard let name = folder.blobName(forStagingPath: localPath) else { continue }
            failures[name] = AzFuseError(.transferFailed, "azcopy skipped the \(verb) (\(transfer.status))")
        }
        failuresByBlobName = failures

        let details = Self.details(outcome)
        // A job that ran to completion explains its failures per file; a non-zero exit is then expected and only
        // suspicious when no file is named as failed.
        let ranToCompletion =
            summary?.jobStatus.hasPrefix("Completed") == true && parser.errorMessages.isEmpty
        let endedCleanly = ranToCompletion && (outcome.exitStatus.isSuccess || !failures.isEmpty)
        let jobCode = AzCopyFailureClassifier.jobCode(for: parser)
        jobError =
            endedCleanly
            ? nil
            : AzFuseError(
                jobCode, "azcopy \(verb) job failed (\(details))\(AzCopyFailureClassifier.hint(for: jobCode))")
        let completed = summary?.transfersCompleted ?? 0
        accountsForEveryItem = summary != nil && completed + failures.count == itemCount
        unaccountedError =
            jobError
            ?? AzFuseError(
                .transferFailed,
                "azcopy \(verb) job reported \(completed) of \(itemCount) transfers completed and did not name "
                    + "this one as failed (\(details))"
            )
    }

    /// The error azcopy attributed to the item with this blob name, if any.
    func failure(for blobName: String) -> AzFuseError? {
        failuresByBlobName[blobName]
    }

    /// `exit code 1, job status Cancelled: <last lines>`, secrets redacted.
    private static func details(_ outcome: AzCopyInvocation.Outcome) -> String {
        var text = "\(outcome.exitStatus)"
        if let summary = outcome.parser.latestSummary {
            text += ", job status \(summary.jobStatus)"
            if !summary.errorMessage.isEmpty { text += ", \(Redaction.redactSecrets(in: summary.errorMessage))" }
        } else {
            text += ", no job summary"
        }
        let lines = outcome.parser.diagnosticText()
        if !lines.isEmpty { text += "; last output: \(lines)" }
        if !outcome.standardError.isEmpty { text += "; stderr: \(outcome.standardError.suffix(600))" }
        return text
    }
}
