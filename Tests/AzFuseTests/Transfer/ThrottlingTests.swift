import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

/// Throttling and transient errors against the emulator: bursts are survived, the service's requested waits are
/// honoured, permanent errors fail at once, and the budget ends retrying.
@Suite(.serialized) struct ThrottlingTests {
    /// The default attempts, with waits short enough for tests.
    static let quickRetries = RetryPolicy(
        budget: .seconds(30), initialDelay: .milliseconds(20), maxDelay: .milliseconds(200))

    /// Runs `body` against a client using `policy`.
    static func withClient(
        _ policy: RetryPolicy = quickRetries, _ body: (BlobEmulator, BlobClient) async throws -> Void
    ) async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient(configuration: BlobClient.Configuration(retry: policy))
            try await body(emulator, client)
        }
    }

    /// Seconds between the emulator's log entries of the first two requests.
    static func gapBetweenFirstTwo(_ requests: [BlobEmulator.LoggedRequest]) throws -> Double {
        try #require(requests.count >= 2, "\(requests)")
        return requests[1].timestamp - requests[0].timestamp
    }

    @Test func retryAfterSecondsIsHonoured() async throws {
        try await Self.withClient { emulator, client in
            try TestFiles.writeRandom(emulator.localPath("in"), size: 10)
            _ = try await client.upload(from: emulator.localPath("in"), to: "b")
            try await emulator.inject(
                .init(status: 429, count: 1, operation: "GetBlobProperties", retryAfter: "2"))
            try await emulator.clearRequests()
            let started = ContinuousClock.now
            #expect(try await client.properties(of: "b").size == 10)
            #expect(started.duration(to: .now) >= .seconds(2))
            let requests = try await emulator.requests()
            #expect(requests.map(\.status) == [429, 200])
            #expect(try Self.gapBetweenFirstTwo(requests) >= 1.95, "the retry waited the 2 s asked for")
        }
    }

    @Test func retryAfterMillisecondsIsHonoured() async throws {
        try await Self.withClient { emulator, client in
            try TestFiles.writeRandom(emulator.localPath("in"), size: 10)
            try await emulator.inject(.init(status: 503, count: 1, operation: "PutBlob", retryAfterMs: 1200))
            try await emulator.clearRequests()
            _ = try await client.upload(from: emulator.localPath("in"), to: "b")
            let requests = try await emulator.requests()
            #expect(requests.map(\.status) == [503, 201])
            #expect(try Self.gapBetweenFirstTwo(requests) >= 1.15, "the retry waited the 1.2 s asked for")
        }
    }

    @Test(arguments: [400, 401, 403, 404, 409, 412])
    func permanentErrorsFailAfterOneRequest(status: Int) async throws {
        try await Self.withClient { emulator, client in
            try await emulator.inject(.init(status: status, count: 5, operation: "GetBlobProperties"))
            try await emulator.clearRequests()
            let error = try await #require(throws: BlobError.self) { try await client.properties(of: "b") }
            #expect(error.httpStatus == status)
            #expect(try await emulator.requests().count == 1)
        }
    }

    @Test(arguments: [408, 429, 500, 502, 503, 504])
    func transientErrorsAreRetried(status: Int) async throws {
        try await Self.withClient { emulator, client in
            try TestFiles.writeRandom(emulator.localPath("in"), size: 10)
            _ = try await client.upload(from: emulator.localPath("in"), to: "b")
            try await emulator.inject(.init(status: status, count: 3, operation: "GetBlobProperties"))
            try await emulator.clearRequests()
            #expect(try await client.properties(of: "b").size == 10)
            #expect(try await emulator.requests().map(\.status) == [status, status, status, 200])
        }
    }

    @Test func aHungRequestTimesOutAndIsRetried() async throws {
        let policy = RetryPolicy(
            budget: .seconds(30), initialDelay: .milliseconds(20), maxDelay: .milliseconds(200), tryTimeout: .seconds(1)
        )
        try await Self.withClient(policy) { emulator, client in
            try TestFiles.writeRandom(emulator.localPath("in"), size: 10)
            _ = try await client.upload(from: emulator.localPath("in"), to: "b")
            try await emulator.inject(.init(count: 1, latencyMs: 8000, operation: "GetBlobProperties"))
            let started = ContinuousClock.now
            #expect(try await client.properties(of: "b").size == 10)
            let elapsed = started.duration(to: .now)
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(5), "one 1 s try, then a retry: \(elapsed)")
        }
    }

    @Test func theBudgetEndsRetrying() async throws {
        let policy = RetryPolicy(
            maxAttempts: 1000, budget: .seconds(1), initialDelay: .milliseconds(100), maxDelay: .milliseconds(100))
        try await Self.withClient(policy) { emulator, client in
            try await emulator.inject(.init(status: 503, count: -1, operation: "GetBlobProperties"))
            try await emulator.clearRequests()
            let started = ContinuousClock.now
            let error = try await #require(throws: BlobError.self) { try await client.properties(of: "b") }
            let elapsed = started.duration(to: .now)
            #expect(error.code == .throttled)
            #expect(error.message.contains("gave up after"), "\(error.message)")
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(5), "\(elapsed)")
            let attempts = try await emulator.requests().count
            #expect(attempts >= 5 && attempts <= 30, "\(attempts) attempts")
        }
    }

    @Test func aRequestedWaitBeyondTheBudgetIsNotMade() async throws {
        let policy = RetryPolicy(budget: .seconds(5), initialDelay: .milliseconds(10))
        try await Self.withClient(policy) { emulator, client in
            try await emulator.inject(
                .init(status: 503, count: 5, operation: "GetBlobProperties", retryAfter: "30"))
            try await emulator.clearRequests()
            let started = ContinuousClock.now
            let error = try await #require(throws: BlobError.self) { try await client.properties(of: "b") }
            #expect(started.duration(to: .now) < .seconds(3))
            #expect(error.message.contains("asked to wait 30.0 s"), "\(error.message)")
            #expect(try await emulator.requests().count == 1)
        }
    }

    @Test func aBurstOf503sAcross30ConcurrentDownloadsIsSurvived() async throws {
        let transfer = TransferOptions(engine: .native, retry: Self.quickRetries)
        try await UploadFixture.with(upload: UploadOptions(maxAttempts: 1), transfer: transfer) { fixture in
            for index in 0..<30 {
                try TestFiles.writeRandom(fixture.emulator.localPath("src\(index)"), size: 2000, seed: UInt64(index))
                _ = try await fixture.client.upload(
                    from: fixture.emulator.localPath("src\(index)"), to: "azfuse_data/d\(index).bin")
            }
            // The first batch holds one file, so it can take the whole burst (AzFuse used to give up after 5).
            try await fixture.emulator.inject(.init(blobPrefix: "azfuse_data/", status: 503, count: 20))
            let fuse = fixture.fuse
            let contents = try await withThrowingTaskGroup(of: (Int, Data).self) { group in
                for index in 0..<30 {
                    let path = fixture.logical("d\(index).bin")
                    group.addTask { (index, try await fuse.read(path)) }
                }
                var contents: [Int: Data] = [:]
                for try await (index, data) in group { contents[index] = data }
                return contents
            }
            for index in 0..<30 {
                #expect(contents[index] == (try TestFiles.read(fixture.emulator.localPath("src\(index)"))))
            }
            let injected = try await fixture.emulator.requests().filter { $0.status == 503 }.count
            #expect(injected == 20)
        }
    }

    @Test func aBurstOf503sAcross50AsyncUploadsIsSurvived() async throws {
        let transfer = TransferOptions(engine: .native, retry: Self.quickRetries)
        // One attempt per file at the upload layer: only the request retries can save the uploads.
        try await UploadFixture.with(upload: UploadOptions(maxAttempts: 1), transfer: transfer) { fixture in
            try await fixture.emulator.inject(.init(blobPrefix: "azfuse_data/u/", status: 503, count: 20))
            try await fixture.fuse.withAsyncUpload {
                for index in 0..<50 {
                    try await fixture.fuse.write(Data("u\(index)".utf8), to: fixture.logical("u/u\(index).txt"))
                }
            }
            for index in 0..<50 {
                #expect(try await fixture.blob("u/u\(index).txt") == Data("u\(index)".utf8))
            }
            #expect(fixture.journalRecords().isEmpty)
        }
    }
}
