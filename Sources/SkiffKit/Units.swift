/// Durations and sizes as Docker's flags and compose files write them.
public enum Units {
    /// A Go duration ("30s", "1m30s", "500ms", "1h", "1.5s"; "0" alone). With `bareNumberIsSeconds`
    /// (compose files), "30" is 30 seconds too. Nil when it is not one.
    public static func duration(_ text: String, bareNumberIsSeconds: Bool = false) -> Int64? {
        if text == "0" { return 0 }
        if bareNumberIsSeconds, let n = Double(text), n >= 0 { return Int64(n * 1e9) }
        var total = 0.0
        var number = ""
        var unit = ""
        var any = false
        func flush() -> Bool {
            guard !number.isEmpty, let v = Double(number) else { return false }
            let scale: Double
            switch unit {
            case "ns": scale = 1
            case "us", "µs": scale = 1e3
            case "ms": scale = 1e6
            case "s": scale = 1e9
            case "m": scale = 60e9
            case "h": scale = 3600e9
            default: return false
            }
            total += v * scale
            number = ""
            unit = ""
            any = true
            return true
        }
        for ch in text {
            if ch.isNumber || ch == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(ch)
            } else {
                unit.append(ch)
            }
        }
        guard flush(), any else { return nil }
        return Int64(total)
    }

    /// "512m", "1g", "1gb", "100k", "2048" (bytes) → bytes; nil when it is not a positive size.
    public static func bytes(_ text: String) -> Int64? {
        var lower = text.lowercased()
        if lower.hasSuffix("b") { lower.removeLast() }
        let units: [Character: Double] = ["k": 1024, "m": 1024 * 1024, "g": 1024 * 1024 * 1024, "t": 1024 * 1024 * 1024 * 1024]
        var factor = 1.0
        if let last = lower.last, let f = units[last] {
            factor = f
            lower.removeLast()
        }
        guard let v = Double(lower), v > 0 else { return nil }
        return Int64(v * factor)
    }

    /// Nanoseconds as a Go duration ("1m30s", "500ms").
    public static func format(nanoseconds ns: Int64) -> String {
        if ns == 0 { return "0s" }
        if ns % 1_000_000_000 != 0 { return "\(ns / 1_000_000)ms" }
        var s = ns / 1_000_000_000
        var out = ""
        if s >= 3600 { out += "\(s / 3600)h"; s %= 3600 }
        if s >= 60 { out += "\(s / 60)m"; s %= 60 }
        if s > 0 { out += "\(s)s" }
        return out
    }
}
