import Foundation
import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

/// withLease and breakLease: a cross-machine lock through blob leases, and its local flock counterpart.
@Suite struct LeaseTests {
    @Test func holdersOfOneLeaseNeverOverlapAndTheBlobIsCreatedEmpty() async throws {
        try await MetadataFixture.with { fixture in
            let path = fixture.logical("locks/job.lock")
            let inside = LockedValue(0)
            let maximum = LockedValue(0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await fixture.fuse.withLease(on: path, duration: .seconds(15), timeout: .seconds(30)) {
                            let now = inside.withLock { value -> Int in
                                value += 1
                                return value
                            }
                            maximum.withLock { $0 = max($0, now) }
                            try await Task.sleep(for: .milliseconds(150))
                            inside.withLock { $0 -= 1 }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(maximum.value == 1)
            #expect(try await fixture.client.properties(of: "azfuse_data/locks/job.lock").size == 0)
            #expect(try await Self.isFree(fixture, "azfuse_data/locks/job.lock"), "released after the body")
        }
    }

    @Test func leaseIsRenewedWhileTheBodyRunsAndReleasedOnError() async throws {
        try await MetadataFixture.with { fixture in
            try await fixture.putBlob("azfuse_data/l.lock", "keep")
            let path = fixture.logical("l.lock")
            struct BodyFailed: Error {}
            await #expect(throws: BodyFailed.self) {
                try await fixture.fuse.withLease(on: path, duration: .seconds(15)) {
                    try await fixture.emulator.clearRequests()
                    let renewed = try await Self.waitForLeaseRequest(fixture, "azfuse_data/l.lock", status: 200)
                    #expect(renewed, "renewed every 5 s while the body runs")
                    throw BodyFailed()
                }
            }
            #expect(try await Self.isFree(fixture, "azfuse_data/l.lock"), "released after the body threw")
            #expect(try await fixture.fuse.read(path) == Data("keep".utf8), "an existing blob is not replaced")
        }
    }

    @Test func cancellingTheBodyReleasesTheLease() async throws {
        try await MetadataFixture.with { fixture in
            let path = fixture.logical("cancel.lock")
            let entered = TestEvent()
            let holder = Task {
                try await fixture.fuse.withLease(on: path) {
                    entered.signal()
                    try await Task.sleep(for: .seconds(60))  // held until the test cancels it
                }
            }
            try await entered.wait()
            holder.cancel()
            let started = ContinuousClock.now
            await #expect(throws: CancellationError.self) { try await holder.value }
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(try await Self.isFree(fixture, "azfuse_data/cancel.lock"))
        }
    }

    @Test func waitingForAHeldLeaseTimesOutOrIsCancelled() async throws {
        try await MetadataFixture.with { fixture in
            try await fixture.putBlob("azfuse_data/held.lock", "")
            let other = UUID().uuidString.lowercased()
            try await fixture.client.acquireLease(on: "azfuse_data/held.lock", id: other, seconds: -1)
            let path = fixture.logical("held.lock")

            let started = ContinuousClock.now
            let timeout = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.withLease(on: path, timeout: .milliseconds(800)) {}
            }
            #expect(timeout.code == .conflict)
            #expect(timeout.path == path)
            #expect(ContinuousClock.now - started < .seconds(3))

            let waiter = Task { try await fixture.fuse.withLease(on: path, timeout: .seconds(60)) {} }
            try await Task.sleep(for: .milliseconds(300))
            waiter.cancel()
            let cancelledAt = ContinuousClock.now
            let cancelled = await #expect(throws: AzFuseError.self) { try await waiter.value }
            #expect(cancelled?.code == .cancelled)
            #expect(ContinuousClock.now - cancelledAt < .seconds(2))

            try await fixture.fuse.breakLease(on: path)
            try await fixture.fuse.breakLease(on: path)
            let ran = try await fixture.fuse.withLease(on: path, timeout: .seconds(5)) { "ran" }
            #expect(ran == "ran")
        }
    }

    @Test func aBrokenLeaseIsReportedAfterTheBody() async throws {
        try await MetadataFixture.with { fixture in
            let path = fixture.logical("broken.lock")
            let error = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.withLease(on: path, duration: .seconds(15)) {
                    try await fixture.fuse.breakLease(on: path)
                    try await fixture.emulator.clearRequests()
                    let refused = try await Self.waitForLeaseRequest(fixture, "azfuse_data/broken.lock", status: 409)
                    #expect(refused, "the next renewal is refused")
                }
            }
            #expect(error.code == .conflict)
            #expect(error.path == path)
            #expect(error.message.contains("renewed"))
        }
    }

    @Test func badArgumentsAndUnmappedPaths() async throws {
        try await MetadataFixture.with { fixture in
            let short = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.withLease(on: fixture.logical("x"), duration: .seconds(5)) {}
            }
            #expect(short.code == .invalidArgument)
            let missing = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.breakLease(on: fixture.logical("none"))
            }
            #expect(missing.code == .notFound)
            let unmapped = try await #require(throws: AzFuseError.self) {
                try await fixture.fuse.breakLease(on: fixture.local("x"))
            }
            #expect(unmapped.code == .unsupported)

            let lockPath = fixture.local("locks/local.lock")
            let inside = LockedValue(0)
            let maximum = LockedValue(0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await fixture.fuse.withLease(on: lockPath, timeout: .seconds(10)) {
                            let now = inside.withLock { value -> Int in
                                value += 1
                                return value
                            }
                            maximum.withLock { $0 = max($0, now) }
                            try await Task.sleep(for: .milliseconds(100))
                            inside.withLock { $0 -= 1 }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(maximum.value == 1)
            #expect(FileManager.default.fileExists(atPath: lockPath))
        }
    }

    /// Waits up to 15 s for a Lease Blob request on `blobName` answered with `status`.
    static func waitForLeaseRequest(_ fixture: MetadataFixture, _ blobName: String, status: Int) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            let requests = try await fixture.emulator.requests()
            if requests.contains(where: { $0.operation == "LeaseBlob" && $0.blob == blobName && $0.status == status }) {
                return true
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// Whether nobody holds a lease on the blob: a fresh acquire succeeds (and is released at once).
    static func isFree(_ fixture: MetadataFixture, _ blobName: String) async throws -> Bool {
        let id = UUID().uuidString.lowercased()
        do {
            try await fixture.client.acquireLease(on: blobName, id: id, seconds: 15)
        } catch let error as BlobError where error.code == .conflict {
            return false
        }
        try await fixture.client.releaseLease(on: blobName, id: id)
        return true
    }
}
