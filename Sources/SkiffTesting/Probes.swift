import Foundation
import SkiffKit

#if canImport(Glibc)
import Glibc
#endif

/// TCP checks of a published port: a connect from this process, or a listening socket seen in the
/// container's network namespace.
enum PortProbe {
    /// Connect to 127.0.0.1:`port` (half a second at most); nil when it connected, else why not.
    static func connect(port: UInt16, timeoutMilliseconds: Int32 = 500) -> String? {
        let fd = socket(
            AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return "socket: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var addr = loopback(port)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc == 0 { return nil }
        guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let n = poll(&p, 1, timeoutMilliseconds)
        if n == 0 { return "no answer in \(timeoutMilliseconds) ms" }
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
        return err == 0 ? nil : String(cString: strerror(err))
    }

    static func loopback(_ port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return addr
    }

    /// A socket in state LISTEN on `port` in the network namespace of process `pid` (its /proc/net/tcp, tcp6).
    static func listening(port: UInt16, pid: Int32) -> Bool {
        let hexPort = String(format: "%04X", port)
        for file in ["tcp", "tcp6"] {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/net/\(file)", encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: " ", omittingEmptySubsequences: true)
                guard f.count > 3 else { continue }
                if f[1].hasSuffix(":" + hexPort) && f[3] == "0A" { return true }
            }
        }
        return false
    }
}

/// A GET over plain TCP to 127.0.0.1 (HTTP/1.1, Connection: close); only the status line is read.
enum HTTPProbe {
    enum Result {
        case status(Int, String)
        case failed(String)
    }

    static func get(port: UInt16, path: String, timeoutSeconds: Int = 2) -> Result {
        if let error = PortProbe.connect(port: port) { return .failed("connect: \(error)") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = PortProbe.loopback(port)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { return .failed("connect: \(String(cString: strerror(errno)))") }
        let request = Array(
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nUser-Agent: SkiffTesting\r\n\r\n"
                .utf8)
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return .failed("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
        var received: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1024)
        while !received.contains(UInt8(ascii: "\n")) && received.count < 8192 {
            let n = recv(fd, &buf, buf.count, 0)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return .failed("no answer: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            received += buf[0..<n]
        }
        let line = String(
            decoding: received.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else {
            return .failed(
                received.isEmpty ? "the connection closed without an answer" : "not an HTTP answer: \(line.prefix(80))")
        }
        return .status(code, parts.count > 2 ? String(parts[2]) : "")
    }
}

/// What an exec printed, and how it ended.
public struct ExecResult: Sendable, Equatable {
    public var exitCode: Int32
    public var stdout: String
    public var stderr: String
}

enum ContainerExec {
    /// Run `command` in the container, its output captured (in unlinked temporary files, so a large
    /// output cannot fill a pipe and stall it).
    static func run(
        engine: Engine, id: String, command: [String], environment: [String: String] = [:],
        user: String? = nil, workingDirectory: String? = nil
    ) throws(SkiffTestingError) -> ExecResult {
        guard !command.isEmpty else { throw .invalidArgument("exec: the command is empty") }
        let out = try scratchFile()
        defer { close(out) }
        let err = try scratchFile()
        defer { close(err) }
        var request = ExecRequest(command: command)
        request.stdio = (-1, out, err)
        request.env = environment.map { "\($0.key)=\($0.value)" }
        request.user = user
        request.workdir = workingDirectory
        let status = try kit { () throws(KitError) in try engine.exec(id, request) }
        return ExecResult(exitCode: status?.shellStatus ?? 0, stdout: readAll(out), stderr: readAll(err))
    }

    private static func scratchFile() throws(SkiffTestingError) -> Int32 {
        var template = Array("/tmp/skiff-testing-exec.XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        guard fd >= 0 else { throw .engine("mkstemp in /tmp: \(String(cString: strerror(errno)))") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }

    private static func readAll(_ fd: Int32) -> String {
        lseek(fd, 0, SEEK_SET)
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            data += buf[0..<n]
        }
        return String(decoding: data, as: UTF8.self)
    }
}
