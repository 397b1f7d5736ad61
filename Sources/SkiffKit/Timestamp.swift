#if canImport(Glibc)
import Glibc
#endif

/// RFC 3339 times in UTC with nanoseconds, as Docker writes them ("2026-11-25T14:44:25.123456789Z").
public enum Timestamp {
    public static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var tmv = tm()
        gmtime_r(&t, &tmv)
        var buf = [CChar](repeating: 0, count: 32)
        strftime(&buf, buf.count, "%Y-%m-%dT%H:%M:%S", &tmv)
        let base = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let nanos = String(ts.tv_nsec)
        return base + "." + String(repeating: "0", count: 9 - nanos.count) + nanos + "Z"
    }
}
