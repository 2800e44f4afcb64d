import Foundation
import Testing

@testable import AzFuse

/// azcopy jobs are run again for the items that failed transiently, within the retry policy; no azcopy, no sleeping.
@Suite struct AzCopyJobRetryTests {
    static let throttled = AzFuseError(.throttled, "azcopy download failed (HTTP 503)", httpStatus: 503)
    static let missing = AzFuseError(.notFound, "azcopy did not download the blob", httpStatus: 404)

    /// A retrier that records its waits instead of sleeping.
    static func retrier(_ policy: RetryPolicy, waits: LockedValue<[Duration]>) -> AzCopyJobRetry {
        var retry = AzCopyJobRetry(policy: policy)
        retry.sleep = { delay in waits.withLock { $0.append(delay) } }
        retry.random = { 1 }
        return retry
    }

    @Test func onlyTransientFailuresGoOutAgain() async {
        let waits = LockedValue<[Duration]>([])
        let jobs = LockedValue<[[String]]>([])
        let retry = Self.retrier(RetryPolicy(initialDelay: .seconds(1)), waits: waits)
        let outcomes = await retry.run(["a", "b", "c", "d"]) { items in
            let attempt = jobs.withLock { jobs in
                jobs.append(items)
                return jobs.count
            }
            return items.map { item -> Result<Void, any Error> in
                switch item {
                case "b" where attempt < 3: .failure(Self.throttled)
                case "c": .failure(Self.missing)
                case "d" where attempt == 1: .failure(AzFuseError(.transport, "azcopy stalled"))
                default: .success(())
                }
            }
        }
        #expect(jobs.value == [["a", "b", "c", "d"], ["b", "d"], ["b"]])
        #expect(waits.value == [.seconds(1), .seconds(2)], "exponential backoff between jobs")
        #expect((try? outcomes[0].get()) != nil)
        #expect((try? outcomes[1].get()) != nil)
        #expect((try? outcomes[3].get()) != nil)
        guard case .failure(let error as AzFuseError) = outcomes[2] else {
            Issue.record("the missing blob should fail")
            return
        }
        #expect(error.code == .notFound)
    }

    @Test func attemptsRunOut() async {
        let waits = LockedValue<[Duration]>([])
        let jobs = LockedValue(0)
        let retry = Self.retrier(RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(1)), waits: waits)
        let outcomes = await retry.run(["a"]) { items in
            jobs.withLock { $0 += 1 }
            return items.map { _ in .failure(Self.throttled) }
        }
        #expect(jobs.value == 3)
        #expect(AzCopyJobRetry.isTransient(outcomes[0]))
    }

    @Test func classification() {
        #expect(AzCopyJobRetry.isTransient(.failure(Self.throttled)))
        #expect(AzCopyJobRetry.isTransient(.failure(AzFuseError(.serviceError, "x", httpStatus: 500))))
        #expect(AzCopyJobRetry.isTransient(.failure(AzFuseError(.transport, "azcopy stalled"))))
        for status in [400, 401, 403, 404, 409, 412] {
            #expect(!AzCopyJobRetry.isTransient(.failure(AzFuseError(.serviceError, "x", httpStatus: status))))
        }
        #expect(!AzCopyJobRetry.isTransient(.failure(AzFuseError(.authenticationFailed, "expired SAS"))))
        #expect(!AzCopyJobRetry.isTransient(.success(())))
    }
}
