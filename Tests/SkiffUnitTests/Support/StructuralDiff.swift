/// The fields where two values differ, one line each ("config.mounts[3].flags: expected 14, got 10"),
/// found by walking both with Mirror, so a failed golden comparison says what changed.
enum StructuralDiff {
    static func lines(_ actual: Any, _ expected: Any, path: String = "") -> [String] {
        var out: [String] = []
        walk(actual, expected, path: path, into: &out)
        return out
    }

    /// A comment for #expect: empty when equal, else the differing fields.
    static func report(_ actual: Any, _ expected: Any, path: String = "plan") -> String {
        let differences = lines(actual, expected, path: path)
        return differences.isEmpty ? "" : "differs from the golden value:\n  " + differences.joined(separator: "\n  ")
    }

    private static func walk(_ actual: Any, _ expected: Any, path: String, into out: inout [String]) {
        let a = Mirror(reflecting: actual)
        let e = Mirror(reflecting: expected)
        switch (a.displayStyle, e.displayStyle) {
        case (.optional, .optional):
            switch (a.children.first, e.children.first) {
            case (nil, nil): return
            case (let x?, let y?): walk(x.value, y.value, path: path, into: &out)
            default: leaf(actual, expected, path: path, into: &out)
            }
        case (.collection, .collection):
            let xs = a.children.map(\.value)
            let ys = e.children.map(\.value)
            for i in 0..<min(xs.count, ys.count) {
                walk(xs[i], ys[i], path: "\(path)[\(i)]", into: &out)
            }
            for i in ys.count..<max(ys.count, xs.count) {
                out.append("\(path)[\(i)]: unexpected \(String(reflecting: xs[i]))")
            }
            for i in xs.count..<max(xs.count, ys.count) {
                out.append("\(path)[\(i)]: missing \(String(reflecting: ys[i]))")
            }
        case (.struct, .struct) where a.subjectType == e.subjectType && !a.children.isEmpty:
            for (x, y) in zip(a.children, e.children) {
                walk(x.value, y.value, path: path.isEmpty ? x.label ?? "?" : "\(path).\(x.label ?? "?")", into: &out)
            }
        default:
            leaf(actual, expected, path: path, into: &out)
        }
    }

    private static func leaf(_ actual: Any, _ expected: Any, path: String, into out: inout [String]) {
        let x = String(reflecting: actual)
        let y = String(reflecting: expected)
        if x != y { out.append("\(path): expected \(y), got \(x)") }
    }
}
