import Foundation
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 14: `--log-driver syslog` and `journald` do what Docker's do: each line goes to the syslog
/// server (unix, udp or tcp; Docker's formats and priorities) or to the journal (its native fields),
/// log.jsonl stays as the local copy `logs` reads, and a server that does not answer fails the start.
@Suite(
    "syslog and journald drivers send each line (issue 14)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct LogForwardTests {
    /// A socket bound by the test, read with a timeout: the syslog server's or the journal's end.
    final class Sink {
        let fd: Int32
        let path: String?
        private(set) var stream = false
        private(set) var port: UInt16 = 0

        /// A datagram socket at `path`.
        init(unixDatagramAt path: String) throws {
            self.path = path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var sa = sockaddr_un()
            sa.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &sa.sun_path) { raw in
                for (i, b) in path.utf8.enumerated() { raw[i] = b }
            }
            let rc = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            try #require(rc == 0, "bind \(path): \(errno)")
        }

        /// A TCP listener (or, `udp`, a datagram socket) on 127.0.0.1, on a port the kernel picks.
        init(tcpListener: Void, udp: Bool = false) throws {
            path = nil
            stream = !udp
            fd = socket(AF_INET, Int32((udp ? SOCK_DGRAM : SOCK_STREAM).rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let rc = withUnsafeMutablePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                    bind(fd, p, len) == 0 && (udp || listen(fd, 4) == 0) && getsockname(fd, p, &len) == 0 ? 0 : -1
                }
            }
            try #require(rc == 0, "listen: \(errno)")
            port = UInt16(bigEndian: sa.sin_port)
        }

        /// What arrives within `seconds`: one datagram, or bytes up to `lines` newlines from the first
        /// accepted connection that sends any (the start's check connects and closes without a word).
        func receive(seconds: Int32 = 15, lines: Int = 1) -> [UInt8] {
            guard stream else { return read(fd, seconds: seconds, lines: lines) }
            for _ in 0..<4 {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, seconds * 1000) == 1 else { return [] }
                let conn = accept(fd, nil, nil)
                if conn < 0 { return [] }
                defer { Glibc.close(conn) }
                let got = read(conn, seconds: seconds, lines: lines)
                if !got.isEmpty { return got }
            }
            return []
        }

        private func read(_ from: Int32, seconds: Int32, lines: Int) -> [UInt8] {
            var out: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            repeat {
                var p = pollfd(fd: from, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, seconds * 1000) == 1 else { break }
                let n = recv(from, &buffer, buffer.count, 0)
                if n <= 0 { break }
                out += buffer[0..<n]
            } while stream && out.filter({ $0 == 10 || $0 == 0 }).count < lines
            return out
        }

        func close() {
            Glibc.close(fd)
            if let path { unlink(path) }
        }
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func matches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
    }

    @Test func syslogOverAUnixSocketKeepsTheLocalCopy() throws {
        let root = try CLIRoot(prefix: "skiff-syslog-")
        defer { root.cleanUp() }
        let sink = try Sink(unixDatagramAt: root.path + "/syslog.sock")
        defer { sink.close() }
        let address = "syslog-address=unixgram://\(root.path)/syslog.sock"
        let run = root.skiff(
            "run", "--name", "s1", "--network", "none", "--log-driver", "syslog", "--log-opt", address, "--log-opt",
            "tag={{.Name}}", "busybox", "sh", "-c", "echo hello; sleep 0.2; echo oops >&2")
        #expect(run.status == 0 && run.out == "hello\n" && run.err == "oops\n", "\(run)")
        // Docker's default form on a local socket: <PRI>Mmm dd hh:mm:ss TAG[PID]: LINE, daemon facility,
        // info for stdout and err for stderr.
        let first = Self.text(sink.receive())
        let second = Self.text(sink.receive())
        #expect(Self.matches(first, #"^<30>[A-Z][a-z]{2} [ 1-3][0-9] \d\d:\d\d:\d\d s1\[\d+\]: hello\n$"#), "\(first)")
        #expect(Self.matches(second, #"^<27>[A-Z][a-z]{2} [ 1-3][0-9] \d\d:\d\d:\d\d s1\[\d+\]: oops\n$"#), "\(second)")
        let logs = root.skiff("logs", "s1")
        #expect(logs.out == "hello\n" && logs.err == "oops\n", "\(logs)")
        #expect(root.inspect("s1", "{{.HostConfig.LogConfig.Type}}|{{.LogPath}}") == "syslog|")

        // Detached, through the monitor, in RFC 5424 with the local0 facility.
        #expect(
            root.skiff(
                "run", "-d", "--name", "s2", "--network", "none", "--log-driver", "syslog", "--log-opt", address,
                "--log-opt", "syslog-format=rfc5424", "--log-opt", "syslog-facility=local0", "busybox", "echo",
                "detached"
            ).status == 0)
        let id = String(root.inspect("s2", "{{.Id}}").prefix(12))
        let line = Self.text(sink.receive())
        #expect(
            Self.matches(
                line,
                #"^<134>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d) \S+ "# + id + #" \d+ "# + id
                    + #" - detached\n$"#),
            "\(line)")
        #expect(root.skiff("wait", "s2").status == 0)
        #expect(root.skiff("logs", "s2").out == "detached\n")
    }

    @Test func syslogOverTCP() throws {
        let root = try CLIRoot(prefix: "skiff-syslog-tcp-")
        defer { root.cleanUp() }
        let sink = try Sink(tcpListener: ())
        defer { sink.close() }
        let run = root.skiff(
            "run", "-d", "--name", "t1", "--network", "none", "--log-driver", "syslog", "--log-opt",
            "syslog-address=tcp://127.0.0.1:\(sink.port)", "--log-opt", "syslog-format=rfc3164", "--log-opt", "tag=app",
            "busybox", "sh", "-c", "echo one; echo two")
        #expect(run.status == 0, "\(run)")
        let got = Self.text(sink.receive(lines: 2))
        let lines = got.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(got)")
        for (line, word) in zip(lines, ["one", "two"]) {
            let form = #"^<30>[A-Z][a-z]{2} [ 1-3][0-9] \d\d:\d\d:\d\d \S+ app\[\d+\]: "# + word + "$"
            #expect(Self.matches(line, form), "\(got)")
        }
    }

    /// Docker's driver connects at the start: a server that does not answer fails it (125), and the
    /// journald driver needs the journal.
    @Test func anUnreachableServerFailsTheStartAndJournaldGetsItsFields() throws {
        let root = try CLIRoot(prefix: "skiff-syslog-down-")
        defer { root.cleanUp() }
        let down = root.skiff(
            "run", "--rm", "--network", "none", "--log-driver", "syslog", "--log-opt",
            "syslog-address=tcp://127.0.0.1:9", "busybox", "true")
        #expect(down.status == 125 && down.err.contains("failed to initialize logging driver"), "\(down)")
        #expect(down.err.contains("refused"), "\(down)")
        #expect(root.eventually(5) { root.skiff("ps", "-aq").out.isEmpty })
        let unknown = root.skiff("run", "--rm", "--log-driver", "syslog", "--log-opt", "max-size=1m", "busybox", "true")
        #expect(unknown.status == 125 && unknown.err.contains("unknown log opt 'max-size' for syslog"), "\(unknown)")

        // The journal: this host runs no journald, so the test plays it at its socket (and leaves nothing).
        let socket = LogForwardSpec.journalSocket
        guard !FileManager.default.fileExists(atPath: socket) else { return }
        let refused = root.skiff("run", "--rm", "--network", "none", "--log-driver", "journald", "busybox", "true")
        #expect(refused.status == 125 && refused.err.contains("journald is not enabled on this host"), "\(refused)")
        var made: [String] = []
        for dir in ["/run/systemd", "/run/systemd/journal"] where !FileManager.default.fileExists(atPath: dir) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
            made.insert(dir, at: 0)
        }
        defer { for dir in made { rmdir(dir) } }
        let sink = try Sink(unixDatagramAt: socket)
        defer { sink.close() }
        let run = root.skiff(
            "run", "--name", "j1", "--network", "none", "--label", "team=ops", "--log-driver", "journald", "--log-opt",
            "labels=team", "busybox", "sh", "-c", "echo from journald")
        #expect(run.status == 0 && run.out == "from journald\n", "\(run)")
        let entry = sink.receive()
        let text = Self.text(entry)
        let id = root.inspect("j1", "{{.Id}}")
        for field in [
            "CONTAINER_ID=\(id.prefix(12))\n", "CONTAINER_ID_FULL=\(id)\n", "CONTAINER_NAME=j1\n",
            "IMAGE_NAME=busybox\n", "SYSLOG_IDENTIFIER=\(id.prefix(12))\n", "TEAM=ops\n", "PRIORITY=6\n",
        ] {
            #expect(text.contains(field), "\(field) in \(text)")
        }
        // MESSAGE in the journal's binary form: the name, a newline, its length (64-bit little-endian), the bytes.
        let message = Array("MESSAGE\n".utf8) + [13, 0, 0, 0, 0, 0, 0, 0] + Array("from journald\n".utf8)
        #expect(
            entry.count >= message.count
                && (0...(entry.count - message.count)).contains { Array(entry[$0..<($0 + message.count)]) == message },
            "\(text)")
        #expect(root.skiff("logs", "j1").out == "from journald\n")
    }

    /// gelf: a GELF 1.1 message per line, gzipped in one UDP datagram (Docker's default) or NUL-ended
    /// JSON over TCP, with Docker's `_container_*` fields and the labels asked for.
    @Test func gelfOverUDPAndTCP() throws {
        let root = try CLIRoot(prefix: "skiff-gelf-")
        defer { root.cleanUp() }
        let udp = try Sink(tcpListener: (), udp: true)
        defer { udp.close() }
        let run = root.skiff(
            "run", "--name", "g1", "--network", "none", "--label", "team=ops", "--log-driver", "gelf", "--log-opt",
            "gelf-address=udp://127.0.0.1:\(udp.port)", "--log-opt", "labels=team", "busybox", "sh", "-c",
            "echo to graylog")
        #expect(run.status == 0 && run.out == "to graylog\n", "\(run)")
        let packed = udp.receive()
        #expect(packed.starts(with: [0x1f, 0x8b]), "gzip: \(packed.prefix(4))")
        let file = root.path + "/gelf.gz"
        try Data(packed).write(to: URL(fileURLWithPath: file))
        let json = try JSONSerialization.jsonObject(with: Data(GzipFile.read(file) ?? [])) as? [String: Any]
        let id = root.inspect("g1", "{{.Id}}")
        #expect(
            json?["version"] as? String == "1.1" && json?["short_message"] as? String == "to graylog", "\(json ?? [:])")
        #expect(json?["level"] as? Int == 6 && json?["_container_id"] as? String == id, "\(json ?? [:])")
        #expect(json?["_container_name"] as? String == "g1" && json?["_team"] as? String == "ops", "\(json ?? [:])")
        #expect(json?["_tag"] as? String == String(id.prefix(12)) && json?["timestamp"] is Double, "\(json ?? [:])")

        let tcp = try Sink(tcpListener: ())
        defer { tcp.close() }
        #expect(
            root.skiff(
                "run", "-d", "--name", "g2", "--network", "none", "--log-driver", "gelf", "--log-opt",
                "gelf-address=tcp://127.0.0.1:\(tcp.port)", "busybox", "sh", "-c", "echo oops >&2"
            ).status == 0)
        let framed = tcp.receive()
        #expect(framed.last == 0, "NUL-ended: \(framed.suffix(4))")
        let message = try JSONSerialization.jsonObject(with: Data(framed.dropLast())) as? [String: Any]
        #expect(message?["short_message"] as? String == "oops" && message?["level"] as? Int == 3, "\(message ?? [:])")
        let missing = root.skiff("run", "--rm", "--log-driver", "gelf", "busybox", "true")
        #expect(missing.status == 125 && missing.err.contains("gelf-address is a required parameter"), "\(missing)")
    }

    /// fluentd: the forward protocol's [tag, time, record] in MessagePack over TCP, the record Docker's
    /// (container_id, container_name, source, log); an unreachable fluentd fails the start unless async.
    @Test func fluentdForwardMessages() throws {
        let root = try CLIRoot(prefix: "skiff-fluentd-")
        defer { root.cleanUp() }
        let tcp = try Sink(tcpListener: ())
        defer { tcp.close() }
        #expect(
            root.skiff(
                "run", "-d", "--name", "f1", "--network", "none", "--log-driver", "fluentd", "--log-opt",
                "fluentd-address=127.0.0.1:\(tcp.port)", "--log-opt", "tag=docker.{{.Name}}", "busybox", "echo",
                "to fluentd"
            ).status == 0)
        let id = root.inspect("f1", "{{.Id}}")
        let got = tcp.receive(lines: 0)
        // fixarray of 3, the tag as a fixstr, the time as int64, then a map16 of 4 entries.
        let tag = Array("docker.f1".utf8)
        #expect(got.starts(with: [0x93, 0xa0 | UInt8(tag.count)] + tag + [0xd3]), "\(got.prefix(16))")
        let record = Array(got.dropFirst(2 + tag.count + 9))
        var expected: [UInt8] = [0xde, 0, 4]
        for (k, v) in [("container_id", id), ("container_name", "/f1"), ("source", "stdout"), ("log", "to fluentd")] {
            for s in [k, v] {
                let b = Array(s.utf8)
                expected += (b.count < 32 ? [0xa0 | UInt8(b.count)] : [0xd9, UInt8(b.count)]) + b
            }
        }
        #expect(record == expected, "\(record) vs \(expected)")
        let down = root.skiff(
            "run", "--rm", "--network", "none", "--log-driver", "fluentd", "--log-opt", "fluentd-address=127.0.0.1:9",
            "busybox", "true")
        #expect(down.status == 125 && down.err.contains("failed to initialize logging driver"), "\(down)")
        let async = root.skiff(
            "run", "--rm", "--network", "none", "--log-driver", "fluentd", "--log-opt", "fluentd-address=127.0.0.1:9",
            "--log-opt", "fluentd-async=true", "busybox", "echo", "kept")
        #expect(async.status == 0 && async.out == "kept\n", "\(async)")
    }
}
