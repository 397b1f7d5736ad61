import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// Seccomp user notification (runtime-spec config-linux.md "seccomp", listenerPath): a profile's
/// SCMP_ACT_NOTIFY syscalls wait for a seccomp agent, which `skiff-oci` sends the container process state
/// and the filter's notify fd, as runc does. The agent here is the test's own.
@Suite(
    "skiff-oci: seccomp user notification (root, real kernel)",
    .enabled(if: BusyboxFixture.available && SkiffBinary.ociPath != nil, BusyboxFixture.skipReason))
struct OCISeccompNotifyTests {
    func oci(_ args: [String], _ sandbox: ContainerSandbox) throws -> SkiffBinary.Output {
        try SkiffBinary.run(args, sandbox: sandbox, binary: try #require(SkiffBinary.ociPath))
    }

    func spec(_ args: [String], listener: String) throws -> Spec {
        var spec = try BusyboxFixture.spec(args)
        spec.linux?.seccomp = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW",
            syscalls: [LinuxSyscall(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY")],
            listenerPath: listener, listenerMetadata: "skiff-test-metadata")
        return spec
    }

    @Test func theAgentGetsTheStateAndTheFdAndAnswersMkdir() throws {
        try ContainerSandbox.with { sandbox in
            let agent = try NotifyAgent(path: sandbox.directory + "/agent.sock")
            defer { agent.close() }
            let id = sandbox.newID("notify")
            let bundle = try sandbox.bundle(
                try spec(["/bin/sh", "-c", "mkdir /dev/shm/skiff-notify; echo mkdir=$?"], listener: agent.path))

            // run: the agent refuses mkdir with ENOMEDIUM, which the process sees as mkdir's error.
            let served = agent.serve(answer: ENOMEDIUM)
            let run = try oci(["run", "--bundle", bundle, id], sandbox)
            let first = try #require(served.wait(), "the agent was never contacted")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("No medium found"), "mkdir's error is the agent's: \(run.stderr)")
            #expect(run.stdout.contains("mkdir=1"), "\(run.stdout)")
            #expect(first.notifications >= 1, "a mkdir notification came through the fd")
            let message = try #require(
                try JSONSerialization.jsonObject(with: Data(first.message.utf8)) as? [String: Any],
                "not JSON: \(first.message)")
            #expect(message["fds"] as? [String] == ["seccompFd"])
            #expect(message["metadata"] as? String == "skiff-test-metadata")
            #expect((message["pid"] as? Int ?? 0) > 0)
            let state = message["state"] as? [String: Any] ?? [:]
            #expect(state["id"] as? String == id)
            #expect(state["status"] as? String == "creating")
            #expect(state["bundle"] as? String == bundle)
            #expect(state["pid"] as? Int == message["pid"] as? Int)
            #expect(sandbox.leftovers(of: id).isEmpty, "\(sandbox.leftovers(of: id))")

            // exec: a second connection, for the exec'd process, which the agent lets mkdir (CONTINUE).
            let running = sandbox.newID("notifyexec")
            let sleeper = try sandbox.bundle(try spec(["/bin/sleep", "60"], listener: agent.path))
            let initServed = agent.serve(answer: 0)
            try #require(try oci(["run", "--detach", "--bundle", sleeper, running], sandbox).status == 0)
            let execServed = agent.serve(answer: 0)
            let exec = try oci(
                ["exec", running, "/bin/sh", "-c", "mkdir /dev/shm/skiff-exec && echo made"], sandbox)
            #expect(exec.status == 0 && exec.stdout == "made\n", "\(exec.stdout) \(exec.stderr)")
            _ = try oci(["kill", running, "KILL"], sandbox)
            let execSide = try #require(execServed.wait(), "the exec's fd never reached the agent")
            #expect(initServed.wait() != nil, "the init's fd reached the agent")
            #expect(execSide.notifications >= 1)
            let execState = try JSONSerialization.jsonObject(with: Data(execSide.message.utf8)) as? [String: Any]
            #expect((execState?["state"] as? [String: Any])?["status"] as? String == "running")
            _ = sandbox.waitFor(10) { (try? oci(["state", running], sandbox).stdout.contains("stopped")) == true }
            #expect(try oci(["delete", "--force", running], sandbox).status == 0)
        }
    }

    @Test func noAgentListeningFailsTheRunAsRuncDoes() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("noagent")
            let bundle = try sandbox.bundle(try spec(["/bin/true"], listener: sandbox.directory + "/none.sock"))
            let run = try oci(["run", "--bundle", bundle, id], sandbox)
            #expect(run.status != 0)
            #expect(run.stderr.contains("failed to connect with seccomp agent"), "\(run.stderr)")
            #expect(sandbox.leftovers(of: id).isEmpty, "\(sandbox.leftovers(of: id))")
        }
    }
}

/// A seccomp agent: a unix socket server that takes one container process state with its notify fd per
/// `serve`, and answers each notification with an errno, or lets the syscall run (answer 0).
final class NotifyAgent: @unchecked Sendable {
    let path: String
    private let listener: Int32
    /// Connections are taken in the order `serve` was called: a thread serving the exec must never take
    /// the init's connection when that thread is scheduled late (a loaded machine).
    private let turns = NSCondition()
    private var issued = 0
    private var serving = 0

    struct Served {
        var message: String
        var notifications: Int
    }

    final class Pending: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var result: Served?
        func finish(_ r: Served?) {
            result = r
            done.signal()
        }
        func wait() -> Served? {
            _ = done.wait(timeout: .now() + 60)
            return result
        }
    }

    init(path: String) throws {
        self.path = path
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0 && listen(listener, 4) == 0, "agent socket: \(errno)")
    }

    func close() {
        Glibc.close(listener)
        unlink(path)
    }

    /// Accept one connection on a thread of its own; the result once the fd's filter has no process left
    /// (or after 60 s).
    func serve(answer: Int32) -> Pending {
        let pending = Pending()
        let listener = self.listener
        turns.lock()
        let ticket = issued
        issued += 1
        turns.unlock()
        Thread.detachNewThread {
            self.turns.lock()
            while self.serving != ticket { self.turns.wait() }
            self.turns.unlock()
            pending.finish(
                Self.serveOne(listener, answer: answer) {
                    self.turns.lock()
                    self.serving += 1
                    self.turns.broadcast()
                    self.turns.unlock()
                })
        }
        return pending
    }

    /// `accepted` is called once this call has taken its connection (or given up waiting for one).
    private static func serveOne(_ listener: Int32, answer: Int32, accepted: () -> Void) -> Served? {
        var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        let conn = poll(&p, 1, 30_000) == 1 ? accept(listener, nil, nil) : -1
        accepted()
        guard conn >= 0 else { return nil }
        defer { Glibc.close(conn) }
        // One message: the state JSON with the fd as SCM_RIGHTS (struct cmsghdr: len (8), level, type, fd).
        var payload = [UInt8](repeating: 0, count: 65536)
        var control = [UInt8](repeating: 0, count: 64)
        var fd: Int32 = -1
        let n = payload.withUnsafeMutableBytes { buf in
            control.withUnsafeMutableBytes { ctl in
                var iov = iovec(iov_base: buf.baseAddress, iov_len: buf.count)
                return withUnsafeMutablePointer(to: &iov) { iovp in
                    var msg = msghdr(
                        msg_name: nil, msg_namelen: 0, msg_iov: iovp, msg_iovlen: 1, msg_control: ctl.baseAddress,
                        msg_controllen: ctl.count, msg_flags: 0)
                    let n = recvmsg(conn, &msg, Int32(MSG_CMSG_CLOEXEC))
                    if n > 0 && msg.msg_controllen >= 20 {
                        let level = ctl.load(fromByteOffset: 8, as: Int32.self)
                        let type = ctl.load(fromByteOffset: 12, as: Int32.self)
                        if level == SOL_SOCKET && type == Int32(SCM_RIGHTS) {
                            fd = ctl.load(fromByteOffset: 16, as: Int32.self)
                        }
                    }
                    return n
                }
            }
        }
        guard n > 0, fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        let message = String(decoding: payload.prefix(n), as: UTF8.self)

        // struct seccomp_notif (80 bytes): id u64, pid u32, flags u32, seccomp_data (nr i32, ...).
        // struct seccomp_notif_resp (24 bytes): id u64, val i64, error i32, flags u32.
        let notifRecv: UInt = 0xC050_2100  // SECCOMP_IOCTL_NOTIF_RECV
        let notifSend: UInt = 0xC018_2101  // SECCOMP_IOCTL_NOTIF_SEND
        let flagContinue: UInt32 = 1  // SECCOMP_USER_NOTIF_FLAG_CONTINUE
        var notifications = 0
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 200) >= 0 else { break }
            if pfd.revents & Int16(POLLHUP) != 0 { break }  // no process uses the filter any more
            if pfd.revents & Int16(POLLIN) == 0 { continue }
            var notif = [UInt8](repeating: 0, count: 80)
            guard notif.withUnsafeMutableBytes({ ioctl(fd, notifRecv, $0.baseAddress!) }) == 0 else { continue }
            notifications += 1
            var resp = [UInt8](repeating: 0, count: 24)
            resp.withUnsafeMutableBytes { r in
                notif.withUnsafeBytes { r.storeBytes(of: $0.load(as: UInt64.self), as: UInt64.self) }
                if answer == 0 {
                    r.storeBytes(of: flagContinue, toByteOffset: 20, as: UInt32.self)
                } else {
                    r.storeBytes(of: -answer, toByteOffset: 16, as: Int32.self)
                }
                _ = ioctl(fd, notifSend, r.baseAddress!)
            }
        }
        return Served(message: message, notifications: notifications)
    }
}
