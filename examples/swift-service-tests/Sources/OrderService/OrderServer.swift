import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The service's HTTP API on 127.0.0.1 (HTTP/1.0-style: one request per connection):
///
///     POST /orders    body: the item         → 201, the new order's id
///     GET  /orders                           → 200, "id<TAB>item" lines
///     GET  /health                           → 200 once the database answers
public final class OrderServer: @unchecked Sendable {
    public let port: UInt16
    private let store: OrderStore
    private let listener: Int32

    /// Listen on 127.0.0.1:`port` (0: a free port, see `port`).
    public init(store: OrderStore, port: UInt16 = 0) throws {
        self.store = store
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw PostgresConnection.Error("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw PostgresConnection.Error("listen on 127.0.0.1:\(port): \(why)")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &addr) {
            _ = $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listener = fd
        self.port = UInt16(bigEndian: addr.sin_port)
    }

    /// Serve on a thread of its own until the process ends.
    public func start() {
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { if errno == EINTR { continue } else { return } }
                handle(client)
                close(client)
            }
        }
    }

    /// Serve the requests of the calling thread forever.
    public func run() -> Never {
        while true {
            let client = accept(listener, nil, nil)
            if client >= 0 {
                handle(client)
                close(client)
            }
        }
    }

    func handle(_ fd: Int32) {
        guard let request = HTTPRequest.read(fd) else { return reply(fd, 400, "bad request\n") }
        switch (request.method, request.path) {
        case ("GET", "/health"):
            do { _ = try store.all(); reply(fd, 200, "ok\n") } catch { reply(fd, 503, "\(error)\n") }
        case ("POST", "/orders"):
            let item = String(decoding: request.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !item.isEmpty else { return reply(fd, 400, "an order needs an item\n") }
            do { reply(fd, 201, "\(try store.add(item))\n") } catch { reply(fd, 500, "\(error)\n") }
        case ("GET", "/orders"):
            do { reply(fd, 200, try store.all().map { "\($0.id)\t\($0.item)\n" }.joined()) } catch { reply(fd, 500, "\(error)\n") }
        case (_, "/orders"), (_, "/health"):
            reply(fd, 405, "method not allowed\n")
        default:
            reply(fd, 404, "not found\n")
        }
    }

    private func reply(_ fd: Int32, _ status: Int, _ body: String) {
        let reasons = [200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
                       500: "Internal Server Error", 503: "Service Unavailable"]
        let bytes = Array(body.utf8)
        let head = "HTTP/1.1 \(status) \(reasons[status] ?? "")\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(bytes.count)\r\nConnection: close\r\n\r\n"
        let all = Array(head.utf8) + bytes
        var sent = 0
        while sent < all.count {
            let n = all[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }
}

/// A request: method, path, body (by Content-Length).
struct HTTPRequest {
    var method: String
    var path: String
    var body: [UInt8]

    static func read(_ fd: Int32) -> HTTPRequest? {
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { return nil }
            data += buf[0..<n]
            if data.count > 65536 { return nil }
            headEnd = (0...max(0, data.count - 4)).first { data.count >= 4 && Array(data[$0..<$0 + 4]) == separator }
        }
        let head = String(decoding: data[..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let first = head[0].split(separator: " ")
        guard first.count >= 2 else { return nil }
        var length = 0
        for line in head.dropFirst() {
            let kv = line.split(separator: ":", maxSplits: 1)
            if kv.count == 2, kv[0].lowercased() == "content-length" { length = Int(kv[1].trimmingCharacters(in: .whitespaces)) ?? 0 }
        }
        guard length >= 0, length <= 1 << 20 else { return nil }
        var body = Array(data[(headEnd! + 4)...])
        while body.count < length {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { return nil }
            body += buf[0..<n]
        }
        return HTTPRequest(method: String(first[0]), path: String(first[1]), body: Array(body.prefix(length)))
    }
}
