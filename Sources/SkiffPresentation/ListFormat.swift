import Foundation
import SkiffKit

/// The `--format` of Docker's list commands (`ps`, `images`, `volume ls`, `network ls`, `compose ps`):
/// nothing or `table` for the default table, `table TEMPLATE` for a table of the template's columns under
/// their headers, `json` for one JSON object per row, anything else a template printed once per row.
public struct ListFormat {
    public let template: FormatTemplate
    public let isTable: Bool
    let headers: [String: String]

    /// `defaultTable` is the template the command's plain table uses (without the `table` word);
    /// `headers` names each field's column as Docker does (a field not named gets its name upper-cased).
    public init(_ format: String?, defaultTable: String, headers: [String: String]) throws(KitError) {
        self.headers = headers
        let text = format ?? ""
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "table" {
            template = try FormatTemplate(defaultTable)
            isTable = true
        } else if trimmed == "json" {
            template = try FormatTemplate("{{json .}}")
            isTable = false
        } else if text.hasPrefix("table ") || text.hasPrefix("table\t") {
            template = try FormatTemplate(String(text.dropFirst(6)))
            isTable = true
        } else {
            template = try FormatTemplate(text)
            isTable = false
        }
    }

    /// The output for `rows` (each a field → value map), without a final newline; a table has its header
    /// even with no rows, as Docker prints it.
    public func render(_ rows: [[String: Any]]) throws(KitError) -> String {
        var lines: [String] = []
        if isTable {
            var header: [String: Any] = [:]
            for field in template.fields {
                let top = field.split(separator: ".").first.map(String.init) ?? field
                header[top] = headers[field] ?? field.uppercased()
            }
            lines.append(try template.render(header))
        }
        for row in rows { lines.append(try template.render(row)) }
        return isTable ? TableWriter.format(lines) : lines.joined(separator: "\n")
    }

    /// Print the output of `rows` on stdout (nothing at all for no rows outside a table).
    public func print(_ rows: [[String: Any]]) throws(KitError) {
        let text = try render(rows)
        if isTable || !rows.isEmpty { Swift.print(text) }
    }
}
