#if canImport(Glibc)
import Glibc
#endif

/// Times as Skiff writes and shows them: RFC 3339 in UTC with nanoseconds, as Docker and runc write
/// them ("2026-11-25T14:44:25.123456789Z"), whole seconds for log lines, and Docker's human
/// durations ("Up 3 minutes", "2 hours ago").
public enum Timestamp {
    /// Now, RFC 3339 with nanoseconds.
    public static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return format(seconds: ts.tv_sec, nanoseconds: Int(ts.tv_nsec))
    }

    /// Now, RFC 3339 in whole seconds ("2026-11-25T14:44:25Z"), as runc's log lines.
    public static func nowWholeSeconds() -> String { calendar(time(nil)) + "Z" }

    public static func nowSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// An RFC 3339 time with nanoseconds for seconds since the epoch.
    public static func format(_ seconds: Double) -> String {
        let whole = seconds.rounded(.down)
        return format(seconds: time_t(whole), nanoseconds: Int((seconds - whole) * 1e9))
    }

    public static func format(seconds: time_t, nanoseconds: Int) -> String {
        let n = String(min(max(0, nanoseconds), 999_999_999))
        return calendar(seconds) + "." + String(repeating: "0", count: 9 - n.count) + n + "Z"
    }

    /// A time as Go's time.String prints it in UTC ("2026-01-02 03:04:05 +0000 UTC"): Docker's CreatedAt
    /// in `ps`, `images` and `network ls`.
    public static func goString(_ seconds: Double) -> String {
        String(calendar(time_t(seconds.rounded(.down))).map { $0 == "T" ? " " : $0 }) + " +0000 UTC"
    }

    /// "YYYY-MM-DDTHH:MM:SS" in UTC.
    static func calendar(_ seconds: time_t) -> String {
        var t = seconds
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(tmv.tm_year + 1900, 4))-\(pad(tmv.tm_mon + 1, 2))-\(pad(tmv.tm_mday, 2))T"
            + "\(pad(tmv.tm_hour, 2)):\(pad(tmv.tm_min, 2)):\(pad(tmv.tm_sec, 2))"
    }

    /// Seconds since the epoch of an RFC 3339 time ("2026-01-02T03:04:05.123456789Z", or with an offset).
    public static func parse(_ text: String) -> Double? {
        let chars = Array(text.utf8)
        guard chars.count >= 19 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for i in from..<(from + len) {
                guard i < chars.count, chars[i] >= 48, chars[i] <= 57 else { return nil }
                v = v * 10 + Int(chars[i] - 48)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
            let s = num(17, 2)
        else { return nil }
        var tmv = tm()
        tmv.tm_year = Int32(y - 1900)
        tmv.tm_mon = Int32(mo - 1)
        tmv.tm_mday = Int32(d)
        tmv.tm_hour = Int32(h)
        tmv.tm_min = Int32(mi)
        tmv.tm_sec = Int32(s)
        var seconds = Double(timegm(&tmv))
        var i = 19
        if i < chars.count, chars[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < chars.count, chars[i] >= 48, chars[i] <= 57 {
                seconds += Double(chars[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        if i < chars.count, chars[i] == UInt8(ascii: "+") || chars[i] == UInt8(ascii: "-"),
            let oh = num(i + 1, 2), let om = num(i + 4, 2)
        {
            let offset = Double(oh * 3600 + om * 60)
            seconds += chars[i] == UInt8(ascii: "+") ? -offset : offset
        }
        return seconds
    }

    /// Docker's human duration (go-units HumanDuration): "Less than a second", "1 second",
    /// "About a minute", "3 hours", "2 weeks".
    public static func humanDuration(_ seconds: Double) -> String {
        let s = Int(max(0, seconds))
        if s < 1 { return "Less than a second" }
        if s == 1 { return "1 second" }
        if s < 60 { return "\(s) seconds" }
        let m = s / 60
        if m == 1 { return "About a minute" }
        if m < 60 { return "\(m) minutes" }
        let h = Int((Double(s) / 3600).rounded())
        if h == 1 { return "About an hour" }
        if h < 48 { return "\(h) hours" }
        if h < 24 * 7 * 2 { return "\(h / 24) days" }
        if h < 24 * 30 * 2 { return "\(h / 24 / 7) weeks" }
        if h < 24 * 365 * 2 { return "\(h / 24 / 30) months" }
        return "\(h / 24 / 365) years"
    }

    /// How long before `now` an RFC 3339 time was, as Docker's CREATED column ("2 hours ago");
    /// "N/A" when there is no time or it cannot be read.
    public static func ago(_ rfc3339: String?, now: Double = nowSeconds()) -> String {
        guard let text = rfc3339, let then = parse(text) else { return "N/A" }
        return humanDuration(now - then) + " ago"
    }
}
