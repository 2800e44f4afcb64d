/// azcopy's job summary, as carried by its `Progress` and `EndOfJob` JSON messages.
///
/// azcopy writes most numbers as strings; both forms are accepted, and missing fields read as zero or empty.
struct AzCopyJobSummary: Sendable, Hashable, Decodable {
    /// One entry of `FailedTransfers` or `SkippedTransfers`.
    struct Transfer: Sendable, Hashable, Decodable {
        /// The source: a local path for uploads, a URL (signature redacted by azcopy) for downloads.
        var source: String
        /// The destination: a URL for uploads, a local path for downloads.
        var destination: String
        /// azcopy's error code: usually the HTTP status as text (`"403"`, `"404"`), sometimes `"0"` or empty.
        var errorCode: String
        /// azcopy's transfer status, for example `Failed` or `SkippedEntityAlreadyExists`.
        var status: String

        private enum CodingKeys: String, CodingKey {
            case source = "Src"
            case destination = "Dst"
            case errorCode = "ErrorCode"
            case status = "TransferStatus"
        }

        /// Decodes one transfer entry.
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            source = try container.decodeIfPresent(String.self, forKey: .source) ?? ""
            destination = try container.decodeIfPresent(String.self, forKey: .destination) ?? ""
            errorCode = try container.decodeIfPresent(LenientText.self, forKey: .errorCode)?.text ?? ""
            status = try container.decodeIfPresent(String.self, forKey: .status) ?? ""
        }
    }

    /// `InProgress`, `Completed`, `CompletedWithErrors`, `CompletedWithSkipped`, `Cancelled`, `Failed`, ...
    var jobStatus: String
    /// azcopy's job-level error message, empty when there is none.
    var errorMessage: String
    /// How many file transfers the job scheduled.
    var totalTransfers: Int
    /// How many finished successfully.
    var transfersCompleted: Int
    /// How many failed.
    var transfersFailed: Int
    /// How many were skipped (for example because the destination existed and overwriting was off).
    var transfersSkipped: Int
    /// Bytes transferred so far.
    var bytesTransferred: Int64
    /// Bytes the job expects to transfer in total.
    var bytesExpected: Int64
    /// The transfers that failed, with their error codes.
    var failedTransfers: [Transfer]
    /// The transfers that were skipped.
    var skippedTransfers: [Transfer]

    /// Whether azcopy says every scheduled transfer completed.
    var isCleanCompletion: Bool {
        jobStatus == "Completed" && transfersFailed == 0 && transfersSkipped == 0
            && transfersCompleted == totalTransfers
    }

    private enum CodingKeys: String, CodingKey {
        case jobStatus = "JobStatus"
        case errorMessage = "ErrorMsg"
        case totalTransfers = "TotalTransfers"
        case transfersCompleted = "TransfersCompleted"
        case transfersFailed = "TransfersFailed"
        case transfersSkipped = "TransfersSkipped"
        case bytesTransferred = "TotalBytesTransferred"
        case bytesExpected = "TotalBytesExpected"
        case failedTransfers = "FailedTransfers"
        case skippedTransfers = "SkippedTransfers"
    }

    /// Decodes the JSON object azcopy puts, as a string, in `MessageContent`.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func count(_ key: CodingKeys) throws -> Int64 {
            try container.decodeIfPresent(LenientText.self, forKey: key).flatMap { Int64($0.text) } ?? 0
        }
        jobStatus = try container.decodeIfPresent(String.self, forKey: .jobStatus) ?? ""
        errorMessage = try container.decodeIfPresent(String.self, forKey: .errorMessage) ?? ""
        totalTransfers = Int(try count(.totalTransfers))
        transfersCompleted = Int(try count(.transfersCompleted))
        transfersFailed = Int(try count(.transfersFailed))
        transfersSkipped = Int(try count(.transfersSkipped))
        bytesTransferred = try count(.bytesTransferred)
        bytesExpected = try count(.bytesExpected)
        failedTransfers = try container.decodeIfPresent([Transfer].self, forKey: .failedTransfers) ?? []
        skippedTransfers = try container.decodeIfPresent([Transfer].self, forKey: .skippedTransfers) ?? []
    }
}

/// A JSON value azcopy writes either as a string or as a number, read as text.
private struct LenientText: Decodable {
    let text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else {
            text = String(try container.decode(Double.self))
        }
    }
}
