import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A minimal PostgreSQL client (protocol 3.0 over TCP): trust, password, MD5 and SCRAM-SHA-256
/// authentication; queries with text parameters through the extended protocol; text results.
/// Enough for this example without pulling a driver and SwiftNIO into its build; a real service
/// would use PostgresNIO.
public final class PostgresConnection {
    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
        public init(_ text: String) { description = text }
    }

    private let fd: Int32

    /// Connect to `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (an IPv4 address or localhost).
    public init(url: String) throws {
        guard let u = URLComponents(string: url), ["postgres", "postgresql"].contains(u.scheme ?? ""),
              let user = u.percentEncodedUser?.removingPercentEncoding else {
            throw Error("not a postgres:// URL with a user: \(url)")
        }
        let password = u.percentEncodedPassword?.removingPercentEncoding ?? ""
        let database = String(u.path.dropFirst()).removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 } ?? user
        let host = (u.host == nil || u.host == "localhost") ? "127.0.0.1" : u.host!
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Error("socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(u.port ?? 5432).bigEndian
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { close(fd); throw Error("\(host): not an IPv4 address") }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw Error("connect to \(host):\(u.port ?? 5432): \(why)")
        }
        do { try startUp(user: user, password: password, database: database) } catch {
            close(fd)
            throw error
        }
    }

    deinit {
        var terminate = Message(type: "X")
        try? send(terminate.finish())
        close(fd)
    }

    /// Run `sql` with `$1…` bound to `parameters` (text; nil is NULL); the rows, each column as text or nil.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
        var parse = Message(type: "P")
        parse.cString("")
        parse.cString(sql)
        parse.int16(0)
        var bind = Message(type: "B")
        bind.cString("")
        bind.cString("")
        bind.int16(0)
        bind.int16(Int16(parameters.count))
        for p in parameters {
            if let p {
                bind.int32(Int32(p.utf8.count))
                bind.bytes(Array(p.utf8))
            } else {
                bind.int32(-1)
            }
        }
        bind.int16(0)
        var execute = Message(type: "E")
        execute.cString("")
        execute.int32(0)
        var sync = Message(type: "S")
        try send(parse.finish() + bind.finish() + execute.finish() + sync.finish())
        var rows: [[String?]] = []
        var failure: Error?
        while true {
            let (type, body) = try receive()
            switch type {
            case "D":
                var r = Reader(body)
                let n = Int(r.int16())
                rows.append((0..<n).map { _ in
                    let len = Int(r.int32())
                    return len < 0 ? nil : String(decoding: r.bytes(len), as: UTF8.self)
                })
            case "E": failure = Error(Self.errorText(body))
            case "Z":
                if let failure { throw failure }
                return rows
            default: continue  // ParseComplete, BindComplete, CommandComplete, notices
            }
        }
    }

    // MARK: start-up and authentication

    private func startUp(user: String, password: String, database: String) throws {
        var startup = Message(type: nil)
        startup.int32(196_608)  // protocol 3.0
        for (k, v) in [("user", user), ("database", database), ("client_encoding", "UTF8")] {
            startup.cString(k)
            startup.cString(v)
        }
        startup.bytes([0])
        try send(startup.finish())
        var scram: SCRAM?
        while true {
            let (type, body) = try receive()
            switch type {
            case "R":
                var r = Reader(body)
                switch r.int32() {
                case 0: continue
                case 3:
                    var m = Message(type: "p")
                    m.cString(password)
                    try send(m.finish())
                case 5:
                    let salt = r.bytes(4)
                    let inner = Self.md5Hex(Array((password + user).utf8))
                    var m = Message(type: "p")
                    m.cString("md5" + Self.md5Hex(Array(inner.utf8) + salt))
                    try send(m.finish())
                case 10:
                    let s = SCRAM(password: password)
                    scram = s
                    var m = Message(type: "p")
                    m.cString("SCRAM-SHA-256")
                    let first = Array(s.clientFirst.utf8)
                    m.int32(Int32(first.count))
                    m.bytes(first)
                    try send(m.finish())
                case 11:
                    guard let s = scram else { throw Error("SCRAM continue before SCRAM start") }
                    var m = Message(type: "p")
                    m.bytes(Array(try s.clientFinal(serverFirst: String(decoding: r.rest(), as: UTF8.self)).utf8))
                    try send(m.finish())
                case 12:
                    guard let s = scram, s.verify(serverFinal: String(decoding: r.rest(), as: UTF8.self)) else {
                        throw Error("the server's SCRAM signature does not match: not the server we asked")
                    }
                case let other: throw Error("authentication method \(other) is not supported")
                }
            case "E": throw Error(Self.errorText(body))
            case "Z": return
            default: continue  // ParameterStatus, BackendKeyData, notices
            }
        }
    }

    static func md5Hex(_ bytes: [UInt8]) -> String {
        Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    static func errorText(_ body: [UInt8]) -> String {
        var fields: [UInt8: String] = [:]
        var r = Reader(body)
        while let code = r.byte(), code != 0 { fields[code] = r.cString() }
        let severity = fields[UInt8(ascii: "S")] ?? "ERROR"
        return "\(severity): \(fields[UInt8(ascii: "M")] ?? "unknown error")"
    }

    // MARK: the wire

    private func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Error("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    private func receive() throws -> (Character, [UInt8]) {
        let head = try read(5)
        let length = Int(Int32(bigEndian: head[1...4].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }))
        return (Character(Unicode.Scalar(head[0])), try read(length - 4))
    }

    private func read(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Error(n == 0 ? "the server closed the connection" : "recv: \(String(cString: strerror(errno)))") }
            got += n
        }
        return out
    }
}

/// An outgoing message: type byte, length, body.
struct Message {
    let type: Character?
    var body: [UInt8] = []
    init(type: Character?) { self.type = type }
    mutating func int16(_ v: Int16) { body += withUnsafeBytes(of: v.bigEndian, Array.init) }
    mutating func int32(_ v: Int32) { body += withUnsafeBytes(of: v.bigEndian, Array.init) }
    mutating func bytes(_ b: [UInt8]) { body += b }
    mutating func cString(_ s: String) { body += Array(s.utf8) + [0] }
    mutating func finish() -> [UInt8] {
        let length = withUnsafeBytes(of: Int32(body.count + 4).bigEndian, Array.init)
        return (type.map { [$0.asciiValue!] } ?? []) + length + body
    }
}

/// Reads a message body.
struct Reader {
    let data: [UInt8]
    var at = 0
    init(_ data: [UInt8]) { self.data = data }
    mutating func byte() -> UInt8? {
        guard at < data.count else { return nil }
        defer { at += 1 }
        return data[at]
    }
    mutating func int16() -> Int16 {
        defer { at += 2 }
        return Int16(data[at]) << 8 | Int16(data[at + 1])
    }
    mutating func int32() -> Int32 {
        defer { at += 4 }
        return Int32(data[at]) << 24 | Int32(data[at + 1]) << 16 | Int32(data[at + 2]) << 8 | Int32(data[at + 3])
    }
    mutating func bytes(_ n: Int) -> [UInt8] {
        defer { at += n }
        return Array(data[at..<at + n])
    }
    mutating func cString() -> String {
        let end = data[at...].firstIndex(of: 0) ?? data.count
        defer { at = end + 1 }
        return String(decoding: data[at..<end], as: UTF8.self)
    }
    mutating func rest() -> [UInt8] {
        defer { at = data.count }
        return Array(data[at...])
    }
}
