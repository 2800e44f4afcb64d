import Foundation
import Testing

@testable import AzFuse

/// `BoundedConcurrency.concurrentMap` returns every outcome at its element's position, runs at most `limit`
/// operations at once, and reports each completion. `scripts/test.sh` runs these in release too, where a child
/// closure of the wrong shape loses or misplaces outcomes (Docs/KnownIssues.md).
@Suite struct BoundedConcurrencyTests {
    struct Failure: Error, Equatable {
        let index: Int
    }

    @Test func outcomesArriveAtTheirElementsPositions() async {
        let names = (0..<1_000).map { "file-\($0)" }
        let outcomes = await BoundedConcurrency.concurrentMap(names, limit: 7) { name -> (String, Data) in
            let index = Int(name.dropFirst(5))!
            if index.isMultiple(of: 2) { await Task.yield() }
            if index.isMultiple(of: 3) { throw Failure(index: index) }
            return (name, Data(name.utf8))
        }
        #expect(outcomes.count == names.count)
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case .success(let (name, data)):
                #expect(!index.isMultiple(of: 3) && name == names[index] && data == Data(names[index].utf8))
            case .failure(let error):
                #expect(index.isMultiple(of: 3) && error as? Failure == Failure(index: index), "\(index): \(error)")
            }
        }
    }

    @Test func runsAtMostLimitOperationsAtOnce() async {
        let running = LockedValue((now: 0, most: 0, started: 0))
        let outcomes = await BoundedConcurrency.concurrentMap(Array(0..<200), limit: 5) { index in
            running.withLock {
                $0.now += 1
                $0.started += 1
                $0.most = max($0.most, $0.now)
            }
            await Task.yield()
            running.withLock { $0.now -= 1 }
            return index
        }
        #expect(outcomes.map { try? $0.get() } == Array(0..<200))
        #expect(running.value.started == 200)
        #expect((1...5).contains(running.value.most))
    }

    @Test func reportsEachCompletionInOrder() async {
        var reported: [Int] = []
        let outcomes = await BoundedConcurrency.concurrentMap(
            Array(0..<50), limit: 4, onCompletion: { reported.append($0) }, { $0 * 2 })
        #expect(outcomes.map { try? $0.get() } == (0..<50).map { $0 * 2 })
        #expect(reported == Array(1...50))
    }

    @Test func noElementsGiveNoOutcomes() async {
        let outcomes = await BoundedConcurrency.concurrentMap([Int](), limit: 3) { $0 }
        #expect(outcomes.isEmpty)
    }
}
