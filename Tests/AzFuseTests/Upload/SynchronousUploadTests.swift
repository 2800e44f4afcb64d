import Foundation
import Testing

@testable import AzFuse

/// Writes outside an upload scope: the call returns once the blob is committed, and a failure keeps the content.
@Suite struct SynchronousUploadTests {
    struct BodyFailure: Error {}

    @Test func everyWriteFormUploadsBeforeReturning() async throws {
        try await UploadFixture.with { fixture in
            try await fixture.fuse.withCurrent {
                try await File.write(Data("one".utf8), to: fixture.logical("a/one.txt"))
                #expect(try await fixture.blob("a/one.txt") == Data("one".utf8))
                try await File.open(fixture.logical("two.bin"), .write) { handle in
                    try handle.write(contentsOf: Data("two".utf8))
                }
                #expect(try await fixture.blob("two.bin") == Data("two".utf8))
                try await File.withLocalPath(fixture.logical("three.txt"), .write) { path in
                    try Data("three".utf8).write(to: URL(fileURLWithPath: path))
                }
                #expect(try await fixture.blob("three.txt") == Data("three".utf8))
                #expect(try await File.read(fixture.logical("two.bin")) == Data("two".utf8))
            }
            #expect(fixture.cacheEntries() == ["a", "a/one.txt", "three.txt", "two.bin"])
            #expect(fixture.journalRecords().isEmpty)
            #expect(fixture.journalDataFiles().isEmpty)
        }
    }

    @Test func failedUploadThrowsKeepsTheContentAndResumeUploadsIt() async throws {
        try await UploadFixture.with { fixture in
            let readOnly = try fixture.makeInstance(account: try fixture.sasAccount([.read, .list]))
            let error = try await #require(throws: AzFuseError.self) {
                try await readOnly.write(Data("precious".utf8), to: fixture.logical("ckpt.bin"))
            }
            #expect(error.code == .uploadFailed)
            #expect(error.path == fixture.logical("ckpt.bin"))
            #expect(error.message.contains(fixture.cachePath("ckpt.bin")))
            #expect(error.message.contains("File.resumePendingUploads()"))
            #expect((error.underlying as? AzFuseError)?.code == .permissionDenied)
            #expect(!error.description.contains("sig="), "no SAS in \(error)")
            #expect(try await readOnly.read(fixture.logical("ckpt.bin")) == Data("precious".utf8))
            #expect(try await fixture.blob("ckpt.bin") == nil)
            #expect(fixture.journalRecords().count == 1)

            #expect(try await readOnly.resumePendingUploads().failed.count == 1)
            #expect(fixture.journalRecords().count == 1, "a failed retry keeps the record")
            try await fixture.fuse.resumePendingUploads()
            #expect(try await fixture.blob("ckpt.bin") == Data("precious".utf8))
            #expect(fixture.journalRecords().isEmpty)
            #expect(fixture.journalDataFiles().isEmpty)
        }
    }

    /// After a power loss a recorded file can be shorter than what was written; resume reports it instead of
    /// replacing the blob with damaged content.
    @Test func resumeRefusesContentThatIsShorterThanRecorded() async throws {
        try await UploadFixture.with { fixture in
            let readOnly = try fixture.makeInstance(account: try fixture.sasAccount([.read, .list]))
            await #expect(throws: AzFuseError.self) {
                try await readOnly.write(Data("a full checkpoint".utf8), to: fixture.logical("torn.bin"))
            }
            let dataFiles = fixture.journalDataFiles()
            #expect(dataFiles.count == 1)
            let snapshot = UploadJournal.uploadsFolder(cacheRoot: fixture.cacheRoot) + "/" + dataFiles[0]
            #expect(truncate(snapshot, 4) == 0)

            let report = try await fixture.fuse.resumePendingUploads()
            #expect(report.failed.map(\.path) == [fixture.logical("torn.bin")], "\(report)")
            #expect(report.failed.first?.message.contains("incomplete") == true)
            #expect(try await fixture.blob("torn.bin") == nil, "the damaged content was not uploaded")
            #expect(fixture.journalRecords().isEmpty)
        }
    }

    @Test func expiredSASFailsAsUploadFailedWithoutHanging() async throws {
        try await UploadFixture.with { fixture in
            let expired = try fixture.makeInstance(account: try fixture.sasAccount(.all, expired: true))
            let started = ContinuousClock.now
            let error = try await #require(throws: AzFuseError.self) {
                try await expired.write(Data("x".utf8), to: fixture.logical("x.bin"))
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(error.code == .uploadFailed)
            #expect((error.underlying as? AzFuseError)?.code == .authenticationFailed)
        }
    }

    @Test func bodyThatThrowsOrIsCancelledLeavesNoTrace() async throws {
        try await UploadFixture.with { fixture in
            await #expect(throws: BodyFailure.self) {
                try await fixture.fuse.open(fixture.logical("bad.bin"), .write) { handle in
                    try handle.write(contentsOf: Data("partial".utf8))
                    throw BodyFailure()
                }
            }
            let started = OneShotEvent()
            let task = Task {
                try await fixture.fuse.withLocalPath(fixture.logical("cancelled.bin"), .write) { path in
                    try Data("partial".utf8).write(to: URL(fileURLWithPath: path))
                    started.signal()
                    // The body returns normally once cancelled: the write must still not be committed.
                    await waitUntilCancelled()
                }
            }
            await started.wait()
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            #expect(fixture.cacheEntries().isEmpty)
            #expect(fixture.journalRecords().isEmpty)
            let puts = try await fixture.emulator.requests().filter { $0.method == "PUT" && $0.blob != nil }
            #expect(puts.isEmpty)
        }
    }

    @Test func injectedServerErrorsAreRetried() async throws {
        try await UploadFixture.with { fixture in
            try await fixture.emulator.inject(
                .init(method: "PUT", blob: "azfuse_data/flaky.bin", status: 503, count: 2))
            try await fixture.fuse.write(Data("made it".utf8), to: fixture.logical("flaky.bin"))
            #expect(try await fixture.blob("flaky.bin") == Data("made it".utf8))
            let puts = try await fixture.emulator.requests().filter {
                $0.blob == "azfuse_data/flaky.bin" && $0.method == "PUT"
            }
            #expect(puts.map(\.status) == [503, 503, 201])
        }
    }
}
