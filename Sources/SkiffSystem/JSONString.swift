/// A string as a JSON string literal, written by hand where a line is built field by field (log lines,
/// event records) instead of through an encoder.
public enum JSONString {
    /// `text` quoted: `"`, `\` and control characters escaped; with `escapeHTML`, `<`, `>` and `&` as
    /// `\u003c`, `\u003e`, `\u0026`, as Go's encoding/json writes them (Docker's event lines).
    public static func quote(_ text: String, escapeHTML: Bool = false) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for u in text.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<" where escapeHTML: out += "\\u003c"
            case ">" where escapeHTML: out += "\\u003e"
            case "&" where escapeHTML: out += "\\u0026"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
