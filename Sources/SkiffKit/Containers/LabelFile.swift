/// `--label-file FILE`: Docker's key-value file, read as its env files are (no quotes, no
/// interpolation): `KEY=VALUE` per line, blank lines and `#` comments skipped, `KEY` alone an empty label.
public enum LabelFile {
    /// The labels of `text`, in order; `path` names the file in errors.
    public static func parse(_ text: String, path: String) throws(KitError) -> [(key: String, value: String)] {
        var out: [(key: String, value: String)] = []
        // "\r\n" is one Character in Swift: a CRLF file's lines end with it.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (n, raw) in lines.enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            guard !key.isEmpty else { throw .usage("--label-file \(path):\(n + 1): a label needs a name before '='") }
            guard !key.contains(where: { $0 == " " || $0 == "\t" }) else {
                throw .usage("--label-file \(path):\(n + 1): label '\(key)' contains whitespaces")
            }
            out.append((key, parts.count > 1 ? String(parts[1]) : ""))
        }
        return out
    }
}
