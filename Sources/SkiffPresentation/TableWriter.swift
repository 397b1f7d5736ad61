import Foundation

/// Go's tabwriter as Docker's tables use it: cells split on tabs, padded to the widest, 3 spaces apart.
public enum TableWriter {
    public static func format(_ lines: [String]) -> String {
        let rows = lines.map { $0.components(separatedBy: "\t") }
        var widths: [Int] = []
        for row in rows {
            for (i, cell) in row.enumerated().dropLast() {
                if i >= widths.count { widths.append(0) }
                widths[i] = max(widths[i], cell.count)
            }
        }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i] + 3, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n")
    }
}
