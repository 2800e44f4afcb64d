import AzFuse
import AzFuseBlobClient
import Foundation
import Testing

/// Retries: transient statuses are retried with backoff up to the limit, other 4xx are not.
@Suite(.serialized) struct BlobClientRetryTests {
    @Test func transient503sAreRetriedUntilSuccess() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            try TestFiles.writeRandom(emulator.localPath("in"), size: 100)
            _ = try await client.upload(from: emulator.localPath("in"), to: "b")
            try await emulator.inject(
                .init(method: "HEAD", container: client.account.containerName, blob: "b", status: 503, count: 2))
            try await emulator.clearRequests()
            #expect(try await client.properties(of: "b").size == 100)
            #expect(try await emulator.requests().map(\.status) == [503, 503, 200])
        }
    }

    @Test func persistent503sFailAsThrottledAfterTheAttemptLimit() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            try await emulator.inject(
                .init(method: "GET", container: client.account.containerName, blob: "b", status: 503, count: 100))
            try await emulator.clearRequests()
            let started = ContinuousClock.now
            let error = await #expect(throws: BlobError.self) {
                try await client.download("b", to: emulator.localPath("out"))
            }
            #expect(error?.code == .throttled)
            #expect(error?.httpStatus == 503)
            #expect(error?.azureErrorCode == "ServerBusy")
            #expect(error?.message.contains("4 attempts") == true)
            let logged = try await emulator.requests()
            #expect(logged.count == BlobEmulator.fastConfiguration.retry.maxAttempts, "\(logged)")
            #expect(started.duration(to: .now) < .seconds(10), "bounded by attempts, far below the 60 s budget")
            #expect(try TestFiles.names(in: emulator.scratchDirectory).isEmpty)
        }
    }

    @Test func notFoundIsNotRetried() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            let client = try await emulator.makeClient()
            try await emulator.clearRequests()
            let error = await #expect(throws: BlobError.self) { try await client.properties(of: "missing") }
            #expect(error?.code == .notFound)
            let logged = try await emulator.requests()
            #expect(logged.count == 1, "\(logged)")
        }
    }

    @Test func retriesStopAtTheBudget() async throws {
        try await BlobEmulator.withSharedEmulator { emulator in
            // Full-jitter waits of at most 100 ms: 2 s is wide enough that a loaded machine still retries, and far
            // shorter than 200 attempts take, so only the budget can stop it.
            let policy = RetryPolicy(
                maxAttempts: 200, budget: .seconds(2), initialDelay: .milliseconds(100), maxDelay: .milliseconds(100))
            let client = try await emulator.makeClient(configuration: .init(retry: policy))
            try await emulator.inject(
                .init(method: "HEAD", container: client.account.containerName, blob: "b", status: 500, count: 100))
            try await emulator.clearRequests()
            let error = await #expect(throws: BlobError.self) { try await client.properties(of: "b") }
            #expect(error?.code == .serviceError)
            let attempts = try await emulator.requests().count
            #expect(attempts >= 2 && attempts < 200, "\(attempts) attempts")
        }
    }

    @Test func refusedConnectionsAreTransportErrors() async throws {
        let account = StorageAccount(
            accountName: BlobEmulator.accountName, containerName: "c", accountKey: BlobEmulator.accountKey,
            endpoint: URL(string: "http://127.0.0.1:9/devstoreaccount1"))
        let client = try BlobClient(account: account, configuration: BlobEmulator.fastConfiguration)
        let error = await #expect(throws: BlobError.self) { try await client.properties(of: "b") }
        #expect(error?.code == .transport)
        #expect(error?.blob?.name == "b")
    }
}
