import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

@testable import SkiffTesting

/// The ready-made modules against the images `Scripts/make-images --only postgres|redis` makes from
/// Debian's packages (the official images' conventions): ready means usable, from this process.
@Suite("SkiffTesting modules", .enabled(if: TestRoot.available), .serialized)
struct ModuleTests {
    static let images = RepositoryPaths.file("rootfs-fixtures/out/images")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: ModuleTests.images + "/postgres.tar")))
    func postgresIsReadyWithAConnectionURLAndKeepsDataAcrossRestart() async throws {
        let root = try await TestRoot()
        try await root.session.loadImages(archive: Self.images + "/postgres.tar")
        let postgres = try await PostgresContainer(user: "app", password: "p@ss word", database: "shop").start(
            in: root.session)
        #expect(postgres.connectionURL == "postgres://app:p%40ss%20word@127.0.0.1:\(postgres.port)/shop")
        // Ready means a TCP connection from this process is accepted right away.
        #expect(PortProbe.connect(port: postgres.port) == nil)
        #expect(try await postgres.psql("SELECT current_user || '@' || current_database()") == "app@shop\n")
        _ = try await postgres.psql("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before restart')")
        try await postgres.container.restart()
        #expect(try await postgres.psql("SELECT v FROM kept") == "before restart\n")
        // The wrong password is refused over the network (the image's rule for other hosts is scram-sha-256;
        // only the container's own loopback is trusted, as in the official image).
        let address = try #require(postgres.container.ipAddress())
        let wrong = try await postgres.container.exec(
            ["psql", "-h", address, "-U", "app", "-d", "shop", "-c", "select 1"],
            environment: ["PGPASSWORD": "nope"])
        #expect(wrong.exitCode != 0 && wrong.stderr.contains("password authentication failed"), "\(wrong)")
        #expect(root.cleanUp() == [])
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: ModuleTests.images + "/redis.tar")))
    func redisAnswersOnItsURL() async throws {
        let root = try await TestRoot()
        try await root.session.loadImages(archive: Self.images + "/redis.tar")
        let redis = try await RedisContainer().start(in: root.session)
        #expect(redis.connectionURL == "redis://127.0.0.1:\(redis.port)")
        // RESP from this process, on the mapped port.
        #expect(try resp(port: redis.port, "PING\r\n") == "+PONG\r\n")
        #expect(try await redis.cli("SET", "k", "v") == "OK")
        #expect(try resp(port: redis.port, "GET k\r\n") == "$1\r\nv\r\n")
        #expect(root.cleanUp() == [])
    }

    @Test func httpServerModuleWaitsForItsPath() async throws {
        let root = try await TestRoot()
        let web = try await HTTPServerContainer(image: "busybox", port: 8080, readinessPath: "/ready.txt")
            .with {
                $0.withCommand(["httpd", "-f", "-p", "8080", "-h", "/tmp"]).withFile(
                    contents: "yes\n", at: "/tmp/ready.txt")
            }
            .start(in: root.session)
        #expect(web.baseURL == "http://127.0.0.1:\(web.port)")
        #expect(try httpGet(port: web.port, path: "/ready.txt").body == "yes\n")
        #expect(root.cleanUp() == [])
    }

    /// One inline command to a Redis server on 127.0.0.1; its raw answer.
    func resp(port: UInt16, _ command: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var tv = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = PortProbe.loopback(port)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { throw SkiffTestingError.engine("connect to redis: \(String(cString: strerror(errno)))") }
        _ = Array(command.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var buf = [UInt8](repeating: 0, count: 512)
        let n = recv(fd, &buf, buf.count, 0)
        return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : ""
    }
}
