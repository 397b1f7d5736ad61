#if canImport(Glibc)
import Glibc
#endif

/// Signal names and numbers as users type them: "SIGTERM", "TERM", "term", "15", "RTMIN+3", "SIGRTMAX-2".
/// The one table for `skiff kill`, `stop --signal`, STOPSIGNAL and `skiff oci kill`.
public enum Signals {
    public struct ParseError: Error, CustomStringConvertible {
        public var input: String
        public var description: String { "unknown signal \"\(input)\" (use a name like SIGTERM or KILL, or a number)" }
    }

    static let names: [String: Int32] = [
        "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "ILL": SIGILL, "TRAP": SIGTRAP, "ABRT": SIGABRT,
        "IOT": SIGABRT, "BUS": SIGBUS, "FPE": SIGFPE, "KILL": SIGKILL, "USR1": SIGUSR1, "SEGV": SIGSEGV,
        "USR2": SIGUSR2, "PIPE": SIGPIPE, "ALRM": SIGALRM, "TERM": SIGTERM, "STKFLT": SIGSTKFLT,
        "CHLD": SIGCHLD, "CONT": SIGCONT, "STOP": SIGSTOP, "TSTP": SIGTSTP, "TTIN": SIGTTIN, "TTOU": SIGTTOU,
        "URG": SIGURG, "XCPU": SIGXCPU, "XFSZ": SIGXFSZ, "VTALRM": SIGVTALRM, "PROF": SIGPROF,
        "WINCH": SIGWINCH, "IO": SIGIO, "POLL": SIGIO, "PWR": SIGPWR, "SYS": SIGSYS,
    ]

    /// "SIGKILL" for 9; nil for a number with no name here (real-time signals).
    public static func name(_ number: Int32) -> String? {
        names.filter { $0.value == number && $0.key != "IOT" && $0.key != "POLL" }.first.map { "SIG" + $0.key }
    }

    /// The signal `text` names, or nil (for callers with a default of their own).
    public static func number(_ text: String) -> Int32? { try? parse(text) }

    public static func parse(_ text: String) throws(ParseError) -> Int32 {
        if let n = Int32(text), n > 0, n < 65 { return n }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        if let n = names[name] { return n }
        let rtmin: Int32 = 34, rtmax: Int32 = 64
        if name == "RTMIN" { return rtmin }
        if name == "RTMAX" { return rtmax }
        if name.hasPrefix("RTMIN+"), let k = Int32(name.dropFirst(6)), rtmin + k <= rtmax { return rtmin + k }
        if name.hasPrefix("RTMAX-"), let k = Int32(name.dropFirst(6)), rtmax - k >= rtmin { return rtmax - k }
        throw ParseError(input: text)
    }
}
