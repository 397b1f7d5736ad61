import Foundation
import SkiffKit
import SkiffTestSupport

@testable import SkiffTesting

#if canImport(Glibc)
import Glibc
#endif

/// A state root of its own for one test (`/tmp/skiff-testing-XXXXXX`), with busybox loaded and a session
/// on it. `cleanUp()` ends the session, checks that nothing of it is left, and removes the root.
final class TestRoot: @unchecked Sendable {
    static let busyboxArchive = RepositoryPaths.imageArchive("busybox")
    static var available: Bool {
        getuid() == 0 && FileManager.default.fileExists(atPath: busyboxArchive)
            && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && FileManager.default.isExecutableFile(atPath: Engine.monitorPath)
    }

    let path: String
    let session: TestSession

    init() async throws {
        path = try TemporaryDirectory.make("skiff-testing")
        session = try TestSession(root: path)
        try await session.loadImages(archive: Self.busyboxArchive)
    }

    var engine: Engine { Engine(root: path) }

    private var cleaned = false

    /// A test that threw before its `cleanUp()` still leaves nothing.
    deinit { if !cleaned { _ = cleanUp() } }

    /// End the session; what is left of it afterwards (nothing, when cleanup works).
    func cleanUp() -> [String] {
        if cleaned { return [] }
        cleaned = true
        session.end()
        let left = Leftovers.of(root: path)
        try? FileManager.default.removeItem(atPath: path)
        return left
    }

    /// A directory in the root for a test's own files.
    func scratch(_ name: String) throws -> String {
        let dir = path + "/scratch-" + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// What a state root still holds on the host, as Scripts/leftovers looks for it but scoped to one root:
/// container records, networks, volumes, mounts under the root, cgroups and veths of its containers,
/// its bridge and nftables table, and processes (monitors, reapers) that name the root.
enum Leftovers {
    static func of(root: String, containerIDs: [String] = []) -> [String] {
        let engine = Engine(root: root)
        var left: [String] = []
        var ids = Set(containerIDs)
        for c in engine.containers.all() {
            left.append("container \(c.name) (\(c.status.rawValue))")
            ids.insert(c.id)
        }
        for n in engine.networks.all() { left.append("network record \(n.name)") }
        for v in engine.volumes.all() { left.append("volume \(v.Name)") }
        // The sessions' directory goes last, once a reaper (or end()) finished.
        if FileManager.default.fileExists(atPath: root + "/testing") {
            left.append("sessions' directory \(root)/testing")
        }
        let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        for line in mountinfo.split(separator: "\n") where line.contains(root) { left.append("mount: \(line)") }
        let hierarchies =
            ["/sys/fs/cgroup"]
            + ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [])
            .map { "/sys/fs/cgroup/" + $0 }
        for id in ids {
            for h in hierarchies where FileManager.default.fileExists(atPath: "\(h)/skiff/\(id)") {
                left.append("cgroup \(h)/skiff/\(id)")
            }
        }
        let links = shell("ip -o link")
        for id in ids where links.contains("skf" + id.prefix(10)) { left.append("veth of \(id.prefix(12))") }
        let tag = engine.networks.tag
        if links.contains(": " + NetworkStore.bridgePrefix + tag) {
            left.append("bridge \(NetworkStore.bridgePrefix + tag)…")
        }
        if shell("nft list tables 2>/dev/null").contains(engine.networks.tableName + "\n") {
            left.append("nftables table \(engine.networks.tableName)")
        }
        for line in shell("pgrep -a -f -- '\(root)'").split(separator: "\n") where !line.contains("pgrep") {
            left.append("process: \(line)")
        }
        return left
    }

    /// Poll until nothing is left (or `seconds` passed); what was left at the end.
    static func awaitClean(root: String, containerIDs: [String], seconds: Double) -> [String] {
        var left: [String] = []
        Poll.until(seconds, interval: 0.1) {
            left = of(root: root, containerIDs: containerIDs)
            return left.isEmpty
        }
        return left
    }

    static func shell(_ command: String) -> String { TestShell.run(command).output }
}

/// GET `path` from 127.0.0.1:`port` in this process; the status and body.
func httpGet(port: UInt16, path: String) throws -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SkiffTestingError.engine("socket") }
    defer { close(fd) }
    var tv = timeval(tv_sec: 3, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard rc == 0 else {
        throw SkiffTestingError.engine("connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
    }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var data: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = recv(fd, &buf, buf.count, 0)
        if n <= 0 { break }
        data += buf[0..<n]
    }
    let text = String(decoding: data, as: UTF8.self)
    let status = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
    return (status, body)
}
