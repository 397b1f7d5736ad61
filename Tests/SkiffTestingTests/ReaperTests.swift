import Foundation
import SkiffKit
import Testing

@testable import SkiffTesting

#if canImport(Glibc)
import Glibc
#endif

/// The session's reaper: a test process (skiff-testing-child, beside this bundle) holding a container with a
/// published port, a network, a volume and a tmpfs is SIGKILLed, or exits without cleaning up, and within a
/// few seconds nothing of it is left (container, monitor, mount, cgroup, veth, bridge, rule, process);
/// two such processes on one root at once get distinct names and ports.
@Suite(
    "SkiffTesting reaper",
    .enabled(if: TestRoot.available && FileManager.default.isExecutableFile(atPath: ChildProcess.path)),
    .serialized)
struct ReaperTests {
    @Test func sigkilledTestProcessLeavesNothing() async throws {
        let root = try await TestRoot()
        let child = try ChildProcess(root: root.path, mode: "hold")
        let ready = try child.readyLine()
        #expect(try httpGet(port: ready.port, path: "/index.html").body == "child\n")
        #expect(!Leftovers.of(root: root.path).isEmpty, "the child's objects exist before the kill")
        kill(child.pid, SIGKILL)
        child.reap()
        let left = Leftovers.awaitClean(root: root.path, containerIDs: [ready.id], seconds: 8)
        #expect(left == [], "left after SIGKILL of the test process: \(left)")
        #expect(PortProbe.connect(port: ready.port) != nil, "the published port is closed")
        #expect(root.cleanUp() == [])
    }

    @Test func testProcessThatExitsWithoutCleaningUpLeavesNothing() async throws {
        let root = try await TestRoot()
        let child = try ChildProcess(root: root.path, mode: "exit")
        let ready = try child.readyLine()
        #expect(child.reap() == 0)
        let left = Leftovers.awaitClean(root: root.path, containerIDs: [ready.id], seconds: 8)
        #expect(left == [], "left after the test process exited: \(left)")
        #expect(root.cleanUp() == [])
    }

    @Test func twoTestProcessesOnOneRootDoNotCollide() async throws {
        let root = try await TestRoot()
        let a = try ChildProcess(root: root.path, mode: "hold")
        let b = try ChildProcess(root: root.path, mode: "hold")
        let ra = try a.readyLine()
        let rb = try b.readyLine()
        #expect(ra.name != rb.name && ra.port != rb.port && ra.network != rb.network)
        #expect(try httpGet(port: ra.port, path: "/index.html").status == 200)
        #expect(try httpGet(port: rb.port, path: "/index.html").status == 200)
        // One dies; the other's objects stay and keep working.
        kill(a.pid, SIGKILL)
        a.reap()
        let deadline = Date().addingTimeInterval(8)
        while (try? root.engine.container(ra.id)) != nil && Date() < deadline { usleep(100_000) }
        #expect((try? root.engine.container(ra.id)) == nil)
        #expect(try root.engine.container(rb.id).status == .running)
        #expect(try httpGet(port: rb.port, path: "/index.html").status == 200)
        kill(b.pid, SIGKILL)
        b.reap()
        let left = Leftovers.awaitClean(root: root.path, containerIDs: [ra.id, rb.id], seconds: 8)
        #expect(left == [], "\(left)")
        #expect(root.cleanUp() == [])
    }
}

/// skiff-testing-child run with its stdout on a pipe.
final class ChildProcess {
    static var path: String { (Engine.skiffPath as NSString).deletingLastPathComponent + "/skiff-testing-child" }

    let pid: pid_t
    private let process: Process
    private let stdout: FileHandle

    struct Ready {
        var id: String
        var name: String
        var port: UInt16
        var network: String
    }

    init(root: String, mode: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.path)
        p.arguments = [root, TestRoot.busyboxArchive, mode]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        process = p
        pid = p.processIdentifier
        stdout = pipe.fileHandleForReading
    }

    /// The child's "ready ID NAME PORT NETWORK" line.
    func readyLine() throws -> Ready {
        var line = Data()
        while true {
            let byte = try stdout.read(upToCount: 1) ?? Data()
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line += byte
        }
        let f = String(decoding: line, as: UTF8.self).split(separator: " ").map(String.init)
        guard f.count == 5, f[0] == "ready", let port = UInt16(f[3]) else {
            throw SkiffTestingError.engine("the child did not get ready: \(String(decoding: line, as: UTF8.self))")
        }
        return Ready(id: f[1], name: f[2], port: port, network: f[4])
    }

    @discardableResult
    func reap() -> Int32 {
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : -1
    }
}
