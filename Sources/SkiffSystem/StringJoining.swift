extension Sequence where Element == String {
    /// The strings with `separator` between them, as `joined(separator:)`. The standard library's
    /// `joined`, called unspecialized, looks a protocol conformance up at run time on its first use in a
    /// process: a scan of every conformance record in the binary (8,600 in skiff-main, about 0.05 ms,
    /// `perf record` of exec). The hot paths of `exec` and `run -d` join with this instead (issue 15).
    /// Inlinable, so that it is specialized where it is called: unspecialized, its own loop looks the
    /// sequence's iterator type up at run time (demangling its name) on first use, as dear as the scan.
    @inlinable
    public func concatenated(separator: String) -> String {
        var text = ""
        var first = true
        for part in self {
            if !first { text += separator }
            text += part
            first = false
        }
        return text
    }
}
