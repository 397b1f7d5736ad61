import Foundation
import OrderService
import SkiffTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The service against a real PostgreSQL, started by SkiffTesting: shared by the tests of this run
/// (`.reuse()`), removed when the run ends, however it ends.
@Suite("Order service against Postgres", .enabled(if: getuid() == 0), .serialized)
struct OrderServiceTests {
    /// The five lines: a ready Postgres, the service on it, a request, the check.
    @Test func storesAnOrderInPostgres() async throws {
        let postgres = try await PostgresContainer().reuse().start()
        let service = try startService(databaseURL: postgres.connectionURL)
        let created = try post(port: service.port, path: "/orders", body: "espresso")
        #expect(created.status == 201)
        // The row is in the database, seen with the server's own psql, not only through the service.
        let id = created.body.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await postgres.psql("SELECT item FROM orders WHERE id = \(id)") == "espresso\n")
    }

    @Test func listsOrdersInOrder() async throws {
        let postgres = try await PostgresContainer().reuse().start()
        let service = try startService(databaseURL: postgres.connectionURL)
        let before = try get(port: service.port, path: "/orders").body.split(separator: "\n").count
        for item in ["flat white", "it's a \"quoted\" order; DROP TABLE orders"] {
            #expect(try post(port: service.port, path: "/orders", body: item).status == 201)
        }
        let lines = try get(port: service.port, path: "/orders").body.split(separator: "\n").map(String.init)
        #expect(lines.count == before + 2)
        #expect(lines.suffix(2).map { $0.split(separator: "\t", maxSplits: 1)[1] }
            == ["flat white", "it's a \"quoted\" order; DROP TABLE orders"])
    }

    @Test func refusesAnEmptyOrder() async throws {
        let postgres = try await PostgresContainer().reuse().start()
        let service = try startService(databaseURL: postgres.connectionURL)
        #expect(try post(port: service.port, path: "/orders", body: "  ").status == 400)
        #expect(try get(port: service.port, path: "/nope").status == 404)
    }

    @Test func ordersSurviveADatabaseRestart() async throws {
        // Its own server: restarting the shared one would disturb the other tests.
        let postgres = try await PostgresContainer(user: "shop", password: "s3cret/:@", database: "orders").start()
        let store = try OrderStore(databaseURL: postgres.connectionURL)
        try store.migrate()
        let id = try store.add("cortado")
        try await postgres.container.restart()
        let again = try OrderStore(databaseURL: postgres.connectionURL)
        #expect(try again.all() == [.init(id: id, item: "cortado")])
    }

    @Test func wrongPasswordIsRefused() async throws {
        let postgres = try await PostgresContainer().reuse().start()
        let wrong = "postgres://test:wrong@127.0.0.1:\(postgres.port)/test"
        #expect(throws: PostgresConnection.Error.self) { try OrderStore(databaseURL: wrong) }
    }

    func startService(databaseURL: String) throws -> OrderServer {
        let store = try OrderStore(databaseURL: databaseURL)
        try store.migrate()
        let server = try OrderServer(store: store)
        server.start()
        return server
    }
}

// MARK: a small HTTP client on a socket

func get(port: UInt16, path: String) throws -> (status: Int, body: String) {
    try request(port: port, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
}

func post(port: UInt16, path: String, body: String) throws -> (status: Int, body: String) {
    try request(port: port, "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
}

func request(port: UInt16, _ text: String) throws -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else { throw PostgresConnection.Error("connect to the service: \(String(cString: strerror(errno)))") }
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var data: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = recv(fd, &buf, buf.count, 0)
        if n <= 0 { break }
        data += buf[0..<n]
    }
    let answer = String(decoding: data, as: UTF8.self)
    let status = answer.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    return (status, answer.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n"))
}
