import Glibc
import SkiffRuntime
import Testing

/// The one signal table (`skiff kill`, `stop --signal`, STOPSIGNAL, `skiff oci kill`).
@Suite("Signals: names and numbers")
struct SignalsTests {
    @Test(
        arguments: [
            ("TERM", SIGTERM), ("SIGTERM", SIGTERM), ("sigterm", SIGTERM), ("term", SIGTERM), ("KILL", SIGKILL),
            ("SIGHUP", SIGHUP), ("USR1", SIGUSR1), ("SIGWINCH", SIGWINCH), ("IOT", SIGABRT), ("POLL", SIGIO),
            ("9", 9), ("15", 15), ("1", 1), ("64", 64),
            ("RTMIN", 34), ("SIGRTMIN", 34), ("RTMIN+3", 37), ("SIGRTMIN+3", 37), ("rtmin+30", 64),
            ("RTMAX", 64), ("SIGRTMAX", 64), ("RTMAX-2", 62), ("SIGRTMAX-30", 34),
        ] as [(String, Int32)])
    func known(_ text: String, _ number: Int32) throws {
        #expect(try Signals.parse(text) == number)
        #expect(Signals.number(text) == number)
    }

    @Test(arguments: [
        "", "0", "65", "-1", "SIG", "NOPE", "RTMIN+31", "RTMAX-31", "RTMIN+", "RTMIN-1", "SIGSIGTERM", "TERM ",
    ])
    func unknown(_ text: String) {
        #expect(Signals.number(text) == nil)
        #expect { try Signals.parse(text) } throws: { "\($0)".contains("unknown signal \"\(text)\"") }
    }
}
