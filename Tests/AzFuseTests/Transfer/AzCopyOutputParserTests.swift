import Foundation
import Testing

@testable import AzFuse

/// The parser and job report on azcopy 10.18.1 output captured against the emulator (signatures already redacted
/// by azcopy, job paths rewritten to `/work/job`).
@Suite struct AzCopyOutputParserTests {
    private func parse(_ fixture: String) throws -> (AzCopyOutputParser, [AzCopyJobSummary]) {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/azcopy/\(fixture)", withExtension: "jsonl"))
        var parser = AzCopyOutputParser()
        var summaries: [AzCopyJobSummary] = []
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            if let summary = parser.consume(String(line)) { summaries.append(summary) }
        }
        return (parser, summaries)
    }

    private let folder = AzCopyJobFolder(root: "/work/job")

    @Test func downloadThatSilentlySkipsAMissingBlob() throws {
        let (parser, summaries) = try parse("download-with-missing-blob")
        #expect(parser.jobID == "ac32f927-e8a3-aa49-74ad-a223a0b09462")
        #expect(parser.sawEndOfJob)
        #expect(summaries.count == 2, "one Progress, one EndOfJob")
        let summary = try #require(parser.latestSummary)
        #expect(summary.jobStatus == "Completed")
        #expect(summary.totalTransfers == 3, "four entries listed, the missing one silently dropped")
        #expect(summary.transfersCompleted == 3)
        #expect(summary.bytesTransferred == 70_003)
        #expect(summary.isCleanCompletion)
        #expect(parser.scanFailures.isEmpty)
        #expect(parser.recentLines.isEmpty, "routine notices are not diagnostics")

        let report = AzCopyJobReport(outcome(parser), folder: folder, itemCount: 4, verb: "download")
        #expect(report.jobError == nil)
        #expect(report.failuresByBlobName.isEmpty)
    }

    @Test func downloadWithOneFailedReadNamesItAndStillCompletes() throws {
        let (parser, _) = try parse("download-one-read-fails")
        let summary = try #require(parser.latestSummary)
        #expect(summary.jobStatus == "CompletedWithErrors")
        #expect(summary.failedTransfers.first?.destination == "/work/job/files/remote/sub/b.bin")

        let report = AzCopyJobReport(outcome(parser, exit: 1), folder: folder, itemCount: 4, verb: "download")
        #expect(report.jobError == nil, "the exit code is explained by the named failure")
        #expect(report.failure(for: "remote/sub/b.bin")?.code == .notFound)
        #expect(report.failure(for: "remote/sub/b.bin")?.httpStatus == 404)
        #expect(report.failure(for: "remote/a.txt") == nil)
    }

    @Test func downloadWithExpiredSASRecordsEveryEntryAsSkipped() throws {
        let (parser, _) = try parse("download-expired-sas")
        #expect(parser.latestSummary?.totalTransfers == 0)
        #expect(parser.reportedAuthenticationFailure)
        #expect(parser.serviceCodes == ["AuthenticationFailed"])
        #expect(
            Set(parser.scanFailures.keys) == ["remote/a.txt", "remote/missing.txt", "remote/sub/b.bin", "remote/empty"])
        let failure = try #require(parser.scanFailures["remote/sub/b.bin"])
        #expect(failure.serviceCode == "AuthenticationFailed")
        #expect(failure.httpStatus == 403)
        #expect(failure.reason == "cannot list files due to reason")

        let report = AzCopyJobReport(outcome(parser), folder: folder, itemCount: 4, verb: "download")
        let error = try #require(report.failure(for: "remote/a.txt"))
        #expect(error.code == .authenticationFailed)
        #expect(error.httpStatus == 403)
        #expect(error.azureErrorCode == "AuthenticationFailed")
        #expect(error.message.contains("expired"))
    }

    @Test func uploadWithExpiredSASNamesOneFailureAndCancelsTheRest() throws {
        let (parser, _) = try parse("upload-expired-sas")
        let summary = try #require(parser.latestSummary)
        #expect(summary.jobStatus == "Cancelled")
        #expect(summary.transfersFailed == 1)
        #expect(summary.failedTransfers.count == 1)
        #expect(summary.failedTransfers.first?.source == "/work/job/files/one.txt")
        #expect(summary.failedTransfers.first?.errorCode == "403")
        #expect(summary.failedTransfers.first?.destination.contains("sig=REDACTED") == true)
        #expect(parser.reportedAuthenticationFailure)

        let report = AzCopyJobReport(outcome(parser, exit: 1), folder: folder, itemCount: 2, verb: "upload")
        #expect(report.failure(for: "one.txt")?.code == .authenticationFailed)
        #expect(report.failure(for: "one.txt")?.httpStatus == 403)
        #expect(report.failure(for: "two.txt") == nil)
        #expect(!report.accountsForEveryItem)
        #expect(report.unaccountedError.code == .authenticationFailed)
        #expect(report.unaccountedError.message.contains("exit code 1, job status Cancelled"))
        #expect(report.unaccountedError.message.contains("Authentication failed"))
    }

    @Test func successfulUploadAccountsForEveryItem() throws {
        let (parser, _) = try parse("upload-success")
        #expect(parser.latestSummary?.isCleanCompletion == true)
        let report = AzCopyJobReport(outcome(parser), folder: folder, itemCount: 2, verb: "upload")
        #expect(report.jobError == nil)
        #expect(report.accountsForEveryItem)
        let short = AzCopyJobReport(outcome(parser), folder: folder, itemCount: 3, verb: "upload")
        #expect(!short.accountsForEveryItem, "a third listed file azcopy never mentioned is not assumed uploaded")
        #expect(short.unaccountedError.code == .transferFailed)
    }

    @Test func errorMessageWithoutJob() throws {
        let (parser, _) = try parse("missing-list-file")
        #expect(parser.latestSummary == nil)
        #expect(parser.errorMessages.count == 1)
        #expect(parser.errorMessages.first?.contains("cannot open /nonexistent/list") == true)
        let report = AzCopyJobReport(outcome(parser, exit: 1), folder: folder, itemCount: 1, verb: "download")
        #expect(report.jobError?.code == .transferFailed)
        #expect(report.jobError?.message.contains("no job summary") == true)
        #expect(report.jobError?.message.contains("list-of-file flag") == true)
    }

    @Test func nonJSONLinesAreKeptRedactedAndCapped() {
        var parser = AzCopyOutputParser(recentLineLimit: 2, recentLineLength: 40)
        parser.consume("Error: unknown flag: --no-such-flag")
        parser.consume("GET https://a.blob.core.windows.net/c/b?sv=1&sig=TOPSECRET&se=2")
        parser.consume(String(repeating: "x", count: 100))
        #expect(parser.recentLines.count == 2)
        #expect(
            parser.recentLines[0] == "GET https://a.blob.core.windows.net/c/b?sv=1&sig=REDACTED&se=2".prefix(40)
                + " ...")
        #expect(!parser.diagnosticText().contains("TOPSECRET"))
        #expect(parser.recentLines[1] == String(repeating: "x", count: 40) + " ...")
    }

    @Test func summaryAcceptsNumbersAsNumbersOrStrings() throws {
        let content =
            #"{"JobStatus":"InProgress","TotalTransfers":5,"TransfersCompleted":"2","TotalBytesTransferred":1024,"#
            + #""FailedTransfers":[{"Src":"s","Dst":"d","ErrorCode":404,"TransferStatus":"Failed"}]}"#
        let line = try String(
            decoding: JSONSerialization.data(withJSONObject: ["MessageType": "Progress", "MessageContent": content]),
            as: UTF8.self
        )
        var parser = AzCopyOutputParser()
        let consumed = parser.consume(line)
        let summary = try #require(consumed)
        #expect(summary.totalTransfers == 5)
        #expect(summary.transfersCompleted == 2)
        #expect(summary.bytesTransferred == 1024)
        #expect(summary.failedTransfers.first?.errorCode == "404")
        #expect(!parser.sawEndOfJob)
    }

    private func outcome(_ parser: AzCopyOutputParser, exit code: Int32 = 0) -> AzCopyInvocation.Outcome {
        AzCopyInvocation.Outcome(exitStatus: .exited(code), parser: parser, standardError: "")
    }
}
