/// Durations, sizes and counts as Docker's flags and compose files write them: the one checked parser
/// every flag and compose key of these kinds goes through. Numbers are read as integers and multiplied
/// with overflow checks, so "9000000000g" or "1e308" is an error that says so, never a trap.
public enum Units {
    /// Why a value was refused, e.g. "larger than the maximum of …"; the caller names the flag or key.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        /// What is wrong with the value, without the value or the flag.
        public var reason: String
        /// A refusal for `reason`.
        public init(_ reason: String) { self.reason = reason }
        /// The reason.
        public var description: String { reason }

        /// `invalid value "TEXT" for WHAT: REASON` — Docker's shape for a bad flag value.
        public func message(_ text: String, for what: String) -> String {
            "invalid value \"\(text)\" for \(what): \(reason)"
        }
    }

    static let maxDurationText = "2562047h47m16.854775807s"
    static let byteUnits: [Character: Int64] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50]

    /// A Go duration ("30s", "1m30s", "500ms", "1h", "1.5s"; "0" alone) in nanoseconds. With
    /// `bareNumberIsSeconds` (compose files), "30" is 30 seconds too.
    public static func parseDuration(_ text: String, bareNumberIsSeconds: Bool = false) throws(Invalid) -> Int64 {
        let example = "expected a duration such as 30s, 1m30s or 500ms"
        if text.hasPrefix("-") { throw Invalid("a duration cannot be negative") }
        if text == "0" { return 0 }
        if bareNumberIsSeconds, let seconds = PlainDecimal(text) {
            return try seconds.scaled(by: 1_000_000_000, maximum: maxDurationText)
        }
        var total: Int64 = 0
        var rest = Substring(text)
        guard !rest.isEmpty else { throw Invalid(example) }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            rest = rest.dropFirst(unit.count)
            let scale: Int64
            switch unit {
            case "ns": scale = 1
            case "us", "µs": scale = 1_000
            case "ms": scale = 1_000_000
            case "s": scale = 1_000_000_000
            case "m": scale = 60_000_000_000
            case "h": scale = 3_600_000_000_000
            default:
                throw Invalid(
                    unit.isEmpty ? "\(example) (a number needs a unit)" : "\(example) (unknown unit \"\(unit)\")")
            }
            guard let value = PlainDecimal(String(number)) else { throw Invalid(example) }
            let (sum, overflow) = total.addingReportingOverflow(try value.scaled(by: scale, maximum: maxDurationText))
            guard !overflow else { throw Invalid("larger than the maximum (\(maxDurationText))") }
            total = sum
        }
        return total
    }

    /// "512m", "1g", "1gb", "1GiB", "100k", "2048" (bytes), "1.5g" → bytes, which must be more than 0.
    public static func parseBytes(_ text: String) throws(Invalid) -> Int64 {
        let example = "expected a size such as 512m, 1g or a number of bytes"
        if text.hasPrefix("-") { throw Invalid("a size cannot be negative") }
        var body = Substring(text.lowercased())
        if body.hasSuffix("b") { body.removeLast() }
        if body.hasSuffix("i"), body.count >= 2, byteUnits[body[body.index(body.endIndex, offsetBy: -2)]] != nil {
            body.removeLast()
        }
        var factor: Int64 = 1
        if let last = body.last, let f = byteUnits[last] {
            factor = f
            body.removeLast()
        }
        guard let value = PlainDecimal(String(body)) else { throw Invalid(example) }
        let bytes = try value.scaled(by: factor, maximum: "\(Int64.max) bytes, 8 EiB")
        guard bytes > 0 else { throw Invalid("a size must be more than 0") }
        return bytes
    }

    /// A number of CPUs ("0.5", "2"): finite, from 0.01 (below that the CFS quota is under the kernel's
    /// 1 ms minimum) to 8192, the most CPUs Linux supports.
    public static func parseCPUs(_ text: String) throws(Invalid) -> Double {
        guard let value = Double(text), value.isFinite else {
            throw Invalid("expected a number of CPUs such as 0.5 or 2")
        }
        guard value >= 0.01 else { throw Invalid("the minimum is 0.01 CPUs") }
        guard value <= 8192 else { throw Invalid("larger than the maximum of 8192 CPUs") }
        return value
    }

    /// A whole number in `range`, e.g. a pids limit or a number of retries.
    public static func parseInteger(_ text: String, in range: ClosedRange<Int64>) throws(Invalid) -> Int64 {
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw Invalid("expected a whole number")
        }
        guard let value = Int64(text), value <= range.upperBound else {
            if text.hasPrefix("-") { throw Invalid("smaller than the minimum (\(range.lowerBound))") }
            throw Invalid("larger than the maximum (\(range.upperBound))")
        }
        guard value >= range.lowerBound else { throw Invalid("smaller than the minimum (\(range.lowerBound))") }
        return value
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

    /// A plain decimal as written: digits, at most one point, no sign, exponent, "nan" or "inf".
    struct PlainDecimal {
        var whole: Substring
        var fraction: Substring

        init?(_ text: String) {
            let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            whole = parts[0]
            fraction = parts.count > 1 ? parts[1] : ""
            guard !(whole.isEmpty && fraction.isEmpty),
                (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber })
            else { return nil }
        }

        /// The value times `scale`, truncated; an error naming `maximum` when it passes Int64.
        func scaled(by scale: Int64, maximum: String) throws(Invalid) -> Int64 {
            let tooLarge = Invalid("larger than the maximum (\(maximum))")
            let digits = whole.drop { $0 == "0" }
            guard digits.count <= 19, let w = Int64(digits.isEmpty ? "0" : String(digits)) else { throw tooLarge }
            let (product, overflow) = w.multipliedReportingOverflow(by: scale)
            guard !overflow else { throw tooLarge }
            // The fraction's part is below `scale`; Double's 53 bits are plenty for what it adds.
            let part = fraction.isEmpty ? 0 : Int64((Double("0." + fraction) ?? 0) * Double(scale))
            let (sum, overflow2) = product.addingReportingOverflow(part)
            guard !overflow2 else { throw tooLarge }
            return sum
        }
    }
}
