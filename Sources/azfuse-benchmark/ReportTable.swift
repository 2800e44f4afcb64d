/// Formats benchmark rows as an aligned text table.
enum ReportTable {
    /// The table: section, operation, native throughput, reference throughput and the native/reference ratio.
    static func render(_ rows: [BenchmarkRow]) -> String {
        let header = ["section", "operation", "native", "reference", "native/ref"]
        let lines =
            [header]
            + rows.map { row in
                let native = throughput(row.bytes, row.nativeSeconds) + " (\(seconds(row.nativeSeconds)))"
                let reference = row.referenceSeconds.map {
                    "\(row.referenceName ?? "ref") " + throughput(row.bytes, $0) + " (\(seconds($0)))"
                }
                let ratio = row.referenceSeconds.map { format($0 / row.nativeSeconds, decimals: 2) + "x" }
                return [row.section, row.operation, native, reference ?? "-", ratio ?? "-"]
            }
        let widths = header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        return lines.map { line in
            line.enumerated().map { column, cell in
                cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    private static func throughput(_ bytes: Int64, _ seconds: Double) -> String {
        format(Double(bytes) / 1_048_576 / seconds, decimals: 1) + " MiB/s"
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
