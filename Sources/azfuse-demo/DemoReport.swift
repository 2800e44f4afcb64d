import Foundation
import Synchronization

/// The demonstration's summary table.
final class DemoReport: Sendable {
    private struct Line {
        let step: String
        let detail: String
        let seconds: Double
        let files: Int?
    }

    private let lines = Mutex<[Line]>([])

    /// Records one step.
    func add(_ step: String, _ detail: String, seconds: Double, files: Int? = nil) {
        lines.withLock { $0.append(Line(step: step, detail: detail, seconds: seconds, files: files)) }
    }

    /// The table: step, what it did, time, files per second.
    func render() -> String {
        let rows =
            [["step", "what", "time", "rate"]]
            + lines.withLock { $0 }.map { line in
                [
                    line.step, line.detail, String(format: "%.2f s", line.seconds),
                    line.files.map { String(format: "%.0f files/s", Double($0) / line.seconds) } ?? "",
                ]
            }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $1 + String(repeating: " ", count: widths[$0] - $1.count) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// A byte counter shared by reader tasks.
final class LockedTotal: Sendable {
    private let total = Mutex(0)

    func add(_ count: Int) { total.withLock { $0 += count } }

    var value: Int { total.withLock { $0 } }
}
