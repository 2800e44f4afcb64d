/// Formats benchmark rows as an aligned text table.
enum ReportTable {
    /// The table: section, operation, native figure, reference figure, reference/native ratio, the goal for that
    /// ratio with whether it is met, and notes.
    static func render(_ rows: [BenchmarkRow]) -> String {
        let header = ["section", "operation", "native", "reference", "native/ref", "goal", "notes"]
        let lines =
            [header]
            + rows.map { row in
                let native = figure(row.work, row.nativeSeconds)
                let reference = row.referenceSeconds.map { "\(row.referenceName ?? "ref") " + figure(row.work, $0) }
                let ratio = row.referenceSeconds.map { $0 / row.nativeSeconds }
                let goal = row.goal.map { goal in
                    ">= " + format(goal, decimals: 2) + "x " + ((ratio ?? 0) >= goal ? "met" : "MISSED")
                }
                return [
                    row.section, row.operation, native, reference ?? "-",
                    ratio.map { format($0, decimals: 2) + "x" } ?? "-",
                    goal ?? "-", row.note ?? "",
                ]
            }
        let widths = header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        return lines.map { line in
            line.enumerated().map { column, cell in
                cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    private static func figure(_ work: BenchmarkRow.Work, _ seconds: Double) -> String {
        switch work {
        case .bytes(let bytes):
            format(Double(bytes) / 1_048_576 / seconds, decimals: 1) + " MiB/s (\(self.seconds(seconds)))"
        case .operations(let count):
            format(Double(count) / seconds, decimals: 0) + " ops/s (\(self.seconds(seconds)))"
        case .latency:
            format(seconds * 1000, decimals: 1) + " ms"
        }
    }

    private static func seconds(_ value: Double) -> String {
        format(value, decimals: 3) + " s"
    }

    private static func format(_ value: Double, decimals: Int) -> String {
        let scale = (0..<decimals).reduce(1.0) { result, _ in result * 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if let dot = text.firstIndex(of: ".") {
            let fraction = text[text.index(after: dot)...].count
            if fraction < decimals { text += String(repeating: "0", count: decimals - fraction) }
        }
        return text
    }
}
