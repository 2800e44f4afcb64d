import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

/// The retry policy's arithmetic (done once, by the blob client's ``BlobRetryPolicy``), with the random source
/// fixed: no network, no sleeping; and the library's public ``RetryPolicy``, which converts to it.
@Suite struct RetryPolicyTests {
    static let policy = BlobRetryPolicy(
        maxAttempts: 6, budget: .seconds(60), initialDelay: .seconds(1), maxDelay: .seconds(10))

    @Test func defaultsFollowAzureGuidance() {
        let policy = RetryPolicy()
        #expect(policy.maxAttempts >= 10)
        #expect(policy.budget >= .seconds(60))
        #expect(TransferOptions().retry == policy)
        #expect(BlobClient.Configuration().retry == policy.blobRetryPolicy, "the two defaults agree")
        #expect(BlobClient.Configuration(retry: policy).retry == BlobRetryPolicy())
        #expect(RetryPolicy.retryableStatuses == [408, 429, 500, 502, 503, 504])
        for permanent in [400, 401, 403, 404, 409, 412] {
            #expect(!RetryPolicy.retryableStatuses.contains(permanent))
        }
    }

    @Test func thePublicPolicyConvertsEveryFieldAndDelegatesTheArithmetic() {
        let policy = RetryPolicy(
            maxAttempts: 6, budget: .seconds(50), initialDelay: .seconds(1), maxDelay: .seconds(10),
            tryTimeout: .seconds(20), minimumThroughput: 1000)
        let converted = policy.blobRetryPolicy
        #expect(converted.maxAttempts == 6)
        #expect(converted.budget == .seconds(50))
        #expect(converted.initialDelay == .seconds(1))
        #expect(converted.maxDelay == .seconds(10))
        #expect(converted.tryTimeout == .seconds(20))
        #expect(converted.minimumThroughput == 1000)
        #expect(policy.nextDelay(afterAttempt: 3, elapsed: .zero, retryAfter: nil, random: 1) == .seconds(4))
        #expect(policy.nextDelay(afterAttempt: 6, elapsed: .zero, retryAfter: nil, random: 1) == nil)
        #expect(
            RetryPolicy(maxAttempts: 0, tryTimeout: .zero, minimumThroughput: 0).blobRetryPolicy
                == BlobRetryPolicy(maxAttempts: 0, tryTimeout: .zero, minimumThroughput: 0), "clamped alike")
    }

    @Test func backoffIsExponentialWithFullJitterAndCapped() {
        let policy = Self.policy
        #expect(policy.delay(forAttempt: 1, retryAfter: nil, random: 1) == .seconds(1))
        #expect(policy.delay(forAttempt: 2, retryAfter: nil, random: 1) == .seconds(2))
        #expect(policy.delay(forAttempt: 3, retryAfter: nil, random: 1) == .seconds(4))
        #expect(policy.delay(forAttempt: 4, retryAfter: nil, random: 0.5) == .seconds(4))
        #expect(policy.delay(forAttempt: 5, retryAfter: nil, random: 1) == .seconds(10), "capped at maxDelay")
        #expect(policy.delay(forAttempt: 60, retryAfter: nil, random: 1) == .seconds(10), "no overflow")
        #expect(policy.delay(forAttempt: 3, retryAfter: nil, random: 0) == .zero, "full jitter reaches zero")
    }

    @Test func theServiceWaitIsHonoured() {
        let policy = Self.policy
        #expect(policy.delay(forAttempt: 1, retryAfter: .seconds(2), random: 0) == .seconds(2))
        #expect(policy.delay(forAttempt: 1, retryAfter: .seconds(2), random: 1) == .milliseconds(2200))
        #expect(policy.delay(forAttempt: 1, retryAfter: .seconds(20), random: 0) == .seconds(20), "beyond maxDelay")
    }

    @Test func attemptsAndBudgetStopRetries() {
        let policy = Self.policy
        #expect(policy.nextDelay(afterAttempt: 5, elapsed: .zero, retryAfter: nil, random: 1) == .seconds(10))
        #expect(policy.nextDelay(afterAttempt: 6, elapsed: .zero, retryAfter: nil, random: 1) == nil)
        #expect(policy.nextDelay(afterAttempt: 1, elapsed: .seconds(60), retryAfter: nil, random: 1) == nil)
        #expect(
            policy.nextDelay(afterAttempt: 5, elapsed: .seconds(57), retryAfter: nil, random: 1) == .seconds(3),
            "capped by what is left of the budget")
        #expect(
            policy.nextDelay(afterAttempt: 1, elapsed: .seconds(57), retryAfter: .seconds(5), random: 0) == nil,
            "a requested wait past the budget is not cut short: no retry")
        #expect(
            policy.nextDelay(afterAttempt: 1, elapsed: .seconds(50), retryAfter: .seconds(5), random: 0) == .seconds(5))
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
        #expect(BlobRetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    @Test func tryTimeoutGrowsWithTheBody() {
        let policy = BlobRetryPolicy(tryTimeout: .seconds(30), minimumThroughput: 1 << 20)
        #expect(policy.tryTimeout(bodyBytes: 0) == .seconds(30))
        #expect(policy.tryTimeout(bodyBytes: 8 << 20) == .seconds(38))
        #expect(BlobRetryPolicy().tryTimeout(bodyBytes: 8 << 20) > BlobRetryPolicy().tryTimeout(bodyBytes: 0))
    }

    @Test func retryAfterHeadersAreParsed() {
        func parse(_ headers: [String: String], now: Date = Date(timeIntervalSince1970: 1_000_000)) -> Duration? {
            BlobRetryPolicy.retryAfter(header: { headers[$0] }, now: now)
        }
        #expect(parse([:]) == nil)
        #expect(parse(["Retry-After": "2"]) == .seconds(2))
        #expect(parse(["Retry-After": " 7 "]) == .seconds(7))
        #expect(parse(["x-ms-retry-after-ms": "1500"]) == .milliseconds(1500))
        #expect(
            parse(["x-ms-retry-after-ms": "250", "Retry-After": "3"]) == .milliseconds(250), "the precise one wins")
        let date = HTTPDate.rfc1123(Date(timeIntervalSince1970: 1_000_004))
        #expect(parse(["Retry-After": date]) == .seconds(4))
        #expect(parse(["Retry-After": HTTPDate.rfc1123(Date(timeIntervalSince1970: 10))]) == .zero, "a past date")
        #expect(parse(["Retry-After": "soon"]) == nil)
        #expect(parse(["Retry-After": "-3"]) == nil)
        #expect(parse(["x-ms-retry-after-ms": "x", "Retry-After": "1"]) == .seconds(1))
    }

    @Test func transportFailuresAreRetriedButNotMalformedURLs() {
        #expect(BlobService.isRetryable(.networkConnectionLost))
        #expect(BlobService.isRetryable(.timedOut))
        #expect(BlobService.isRetryable(.cannotConnectToHost))
        #expect(!BlobService.isRetryable(.badURL))
        #expect(!BlobService.isRetryable(.serverCertificateUntrusted))
    }

    @Test func environmentSetsAttemptsAndBudget() throws {
        let configuration = try AzFuseConfiguration.fromEnvironment(
            ["AZFUSE_MAX_RETRIES": "20", "AZFUSE_RETRY_BUDGET_SECONDS": "120.5"], currentFolder: "/none")
        #expect(configuration.transfer.retry.maxAttempts == 21)
        #expect(configuration.transfer.retry.budget == .milliseconds(120_500))
        let none = try AzFuseConfiguration.fromEnvironment(["QD_MAX_RETRIES": "0"], currentFolder: "/none")
        #expect(none.transfer.retry.maxAttempts == 1)
        let unset = try AzFuseConfiguration.fromEnvironment([:], currentFolder: "/none")
        #expect(unset.transfer.retry == RetryPolicy())
    }

    @Test(arguments: [
        ("AZFUSE_MAX_RETRIES", "many"), ("AZFUSE_MAX_RETRIES", "-1"), ("AZFUSE_MAX_RETRIES", "2.5"),
        ("QD_MAX_RETRIES", "100000"), ("AZFUSE_RETRY_BUDGET_SECONDS", "0"), ("AZFUSE_RETRY_BUDGET_SECONDS", "-5"),
        ("AZFUSE_RETRY_BUDGET_SECONDS", "1m"), ("AZFUSE_RETRY_BUDGET_SECONDS", "nan"),
    ])
    func badValuesAreRejectedNamingTheVariable(variable: String, value: String) throws {
        let error = try #require(throws: AzFuseError.self) {
            try AzFuseConfiguration.fromEnvironment([variable: value], currentFolder: "/none")
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains(variable) && error.message.contains("'\(value)'"), "\(error.message)")
    }
}
