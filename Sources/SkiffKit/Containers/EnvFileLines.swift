/// The lines of a Docker `--env-file` (run, create and exec): `KEY=VALUE`, or a bare `KEY` that takes the
/// caller's value; blank lines and `#` comments skipped, leading blanks dropped, nothing unquoted — as
/// Docker's CLI reads it (compose's `env_file:` has its own, richer format: ComposeEnvFile).
public enum EnvFileLines {
    /// The entries of `text`, in order; `path` names the file in errors.
    public static func entries(_ text: String, path: String) throws(KitError) -> [String] {
        var entries: [String] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("=") { throw .usage("\(path):\(n + 1): a variable needs a name before '='") }
            entries.append(String(line))
        }
        return entries
    }
}
