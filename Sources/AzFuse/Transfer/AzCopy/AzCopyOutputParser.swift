import AzFuseBlobClient
import Foundation

/// Reads azcopy's `--output-type json` standard output line by line and keeps what the engine needs to judge a job.
///
/// Each line is normally `{"TimeStamp", "MessageType", "MessageContent", "PromptDetails"}`. For `Init`, `Progress`
/// and `EndOfJob`, `MessageContent` is itself a JSON document (see ``AzCopyJobSummary``). `Info` lines that say an
/// entry of `--list-of-files` was skipped while scanning are recorded per entry, because azcopy otherwise reports
/// such a job as a success. Every other line, JSON or not, is kept (secrets redacted, length capped) among the
/// ``recentLines`` for error messages.
struct AzCopyOutputParser: Sendable {
    /// A `--list-of-files` entry azcopy could not scan and silently left out of the job.
    struct ScanFailure: Sendable, Hashable {
        /// The entry as written in the list (relative to the copy source).
        var entry: String
        /// The storage service's error code (`ServiceCode=...`), if azcopy quoted one.
        var serviceCode: String?
        /// The HTTP status azcopy quoted, if any.
        var httpStatus: Int?
        /// The first line of azcopy's explanation (without Go source locations), secrets redacted.
        var reason: String
    }

    /// How many diagnostic lines to keep.
    let recentLineLimit: Int
    /// The longest diagnostic line kept; longer ones are cut.
    let recentLineLength: Int

    /// The job id from the `Init` message, once seen.
    private(set) var jobID: String?
    /// The latest summary from a `Progress` or `EndOfJob` message.
    private(set) var latestSummary: AzCopyJobSummary?
    /// Whether an `EndOfJob` message arrived (``latestSummary`` is then the final one).
    private(set) var sawEndOfJob = false
    /// Entries skipped during scanning, keyed by the entry text.
    private(set) var scanFailures: [String: ScanFailure] = [:]
    /// Storage service error codes quoted anywhere in the output (`AuthenticationFailed`, ...).
    private(set) var serviceCodes: Set<String> = []
    /// Whether azcopy said that authentication failed (an expired, wrong or under-privileged SAS).
    private(set) var reportedAuthenticationFailure = false
    /// The contents of `Error` messages, secrets redacted.
    private(set) var errorMessages: [String] = []
    /// The last diagnostic lines (everything except progress, job summaries and routine notices), first lines only,
    /// secrets redacted.
    private(set) var recentLines: [String] = []

    /// Creates a parser that keeps at most `recentLineLimit` diagnostic lines of at most `recentLineLength` characters.
    init(recentLineLimit: Int = 20, recentLineLength: Int = 600) {
        self.recentLineLimit = recentLineLimit
        self.recentLineLength = recentLineLength
    }

    /// Consumes one line of standard output.
    ///
    /// - Returns: The job summary when the line was a `Progress` or `EndOfJob` message, for progress reporting.
    @discardableResult
    mutating func consume(_ line: String) -> AzCopyJobSummary? {
        guard !line.isEmpty else { return nil }
        guard let message = try? JSONDecoder().decode(Message.self, from: Data(line.utf8)) else {
            remember(line)
            return nil
        }
        switch message.type {
        case "Init":
            let start = try? JSONDecoder().decode(JobStart.self, from: Data(message.content.utf8))
            jobID = start?.jobID
            return nil
        case "Progress", "EndOfJob":
            guard let summary = try? JSONDecoder().decode(AzCopyJobSummary.self, from: Data(message.content.utf8))
            else {
                remember(message.content)
                return nil
            }
            latestSummary = summary
            if message.type == "EndOfJob" { sawEndOfJob = true }
            return summary
        case "Error":
            errorMessages.append(Redaction.redactSecrets(in: message.content))
            inspect(message.content)
            remember(message.content)
            return nil
        default:
            inspect(message.content)
            remember(message.content)
            return nil
        }
    }

    /// The job-level explanation a failed job should carry: errors, then the last diagnostic lines, secrets redacted.
    func diagnosticText(lineLimit: Int = 8) -> String {
        var lines = errorMessages.suffix(lineLimit)
        for line in recentLines.suffix(lineLimit) where !lines.contains(line) { lines.append(line) }
        return lines.suffix(lineLimit).joined(separator: " | ")
    }

    private mutating func inspect(_ content: String) {
        if content.contains("Authentication failed") { reportedAuthenticationFailure = true }
        let code = Self.serviceCode(in: content)
        if let code {
            serviceCodes.insert(code)
            if code == "AuthenticationFailed" { reportedAuthenticationFailure = true }
        }
        let skipPrefix = "Skipping "
        let skipMarker = " as it cannot be scanned due to error: "
        guard let prefixRange = content.range(of: skipPrefix),
            let markerRange = content.range(of: skipMarker, range: prefixRange.upperBound..<content.endIndex)
        else { return }
        let entry = String(content[prefixRange.upperBound..<markerRange.lowerBound])
        scanFailures[entry] = ScanFailure(
            entry: entry,
            serviceCode: code,
            httpStatus: Self.httpStatus(in: content),
            reason: Redaction.redactSecrets(in: Self.headline(of: content[markerRange.upperBound...]))
        )
    }

    private mutating func remember(_ text: String) {
        let headline = Self.headline(of: Substring(text))
        guard !Self.chatter.contains(where: { headline.hasPrefix($0) }) else { return }
        var line = Redaction.redactSecrets(in: String(headline.prefix(recentLineLength)))
        if headline.count > recentLineLength { line += " ..." }
        recentLines.append(line)
        if recentLines.count > recentLineLimit { recentLines.removeFirst(recentLines.count - recentLineLimit) }
    }

    /// Routine `Info` messages that explain nothing about a failure.
    private static let chatter = [
        "INFO: Scanning...",
        "INFO: Any empty folders will not be processed",
        "INFO: NOTE: HTTP is in use",
    ]

    /// The first line of an azcopy message, without the Go source location azcopy appends after ` -> `.
    private static func headline(of text: Substring) -> String {
        let firstLine = text.prefix { $0 != "\n" }
        guard let arrow = firstLine.range(of: " -> ") else { return String(firstLine) }
        return String(firstLine[..<arrow.lowerBound])
    }

    /// `AuthenticationFailed` from `... (ServiceCode=AuthenticationFailed) ...`.
    private static func serviceCode(in text: String) -> String? {
        guard let range = text.range(of: "ServiceCode=") else { return nil }
        let code = text[range.upperBound...].prefix { $0.isLetter || $0.isNumber }
        return code.isEmpty ? nil : String(code)
    }

    /// `403` from `RESPONSE Status: 403 Forbidden` or `Description=403 Forbidden`.
    private static func httpStatus(in text: String) -> Int? {
        for marker in ["RESPONSE Status: ", "Description="] {
            guard let range = text.range(of: marker) else { continue }
            let digits = text[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
            if digits.count == 3, let status = Int(digits) { return status }
        }
        return nil
    }
}

/// One line of azcopy's JSON output.
private struct Message: Decodable {
    let type: String
    let content: String

    private enum CodingKeys: String, CodingKey {
        case type = "MessageType"
        case content = "MessageContent"
    }
}

/// The `MessageContent` of an `Init` message.
private struct JobStart: Decodable {
    let jobID: String?

    private enum CodingKeys: String, CodingKey {
        case jobID = "JobID"
    }
}
