import Foundation
import SkiffKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `run --rm` whose start fails (here: the host port is already taken) leaves no container, no network
/// namespace and no lease behind, attached or detached, and says why with exit 125, as Docker does.
@Suite(.serialized) struct FailedStartTests {
    /// A TCP listener on 127.0.0.1 holding a free port; the port number.
    static func takePort() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0 && listen(fd, 1) == 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    @Test(arguments: [false, true])
    func removedContainerLeavesNothingWhenItsPortIsTaken(detached: Bool) throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let taken = try Self.takePort()
        defer { close(taken.fd) }
        let r = root.skiff(
            ["run", "--rm"] + (detached ? ["-d"] : []) + ["-p", "127.0.0.1:\(taken.port):80", "busybox", "true"])
        #expect(r.status == 125, "\(r)")
        #expect(r.err.contains("\(taken.port)"), "the error should name the port: \(r.err)")
        #expect(
            root.eventually(10) { root.skiff("ps", "-aq").out.isEmpty },
            "a failed --rm run left: \(root.skiff("ps", "-a").out)")
        let netns = (try? FileManager.default.contentsOfDirectory(atPath: root.path + "/netns")) ?? []
        #expect(netns.isEmpty, "network namespaces left: \(netns)")
    }
}
