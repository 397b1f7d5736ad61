import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// create / start / state / kill / delete, through OCIRuntime and through the built `skiff` binary.
@Suite("Container lifecycle (root, real kernel)", .enabled(if: BusyboxFixture.available, BusyboxFixture.skipReason))
struct ContainerLifecycleTests {
    let probe = BusyboxFixture.probe

    @Test func createStartKillDeleteThroughTheRuntime() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("life")
            let bundle = try sandbox.bundle(try BusyboxFixture.spec([probe, "pause"]))
            let (options, closeAll, out, err) = try sandbox.stdioOptions(id: id)
            defer { closeAll() }
            let runtime = sandbox.runtime

            try runtime.create(id: id, bundle: bundle, options: options)
            let created = try runtime.state(id: id)
            #expect(created.status == .created)
            #expect(created.pid > 0)
            #expect(created.bundle == bundle)
            #expect(sandbox.read(out).isEmpty, "the process ran before start")
            #expect(!ContainerSandbox.cgroupDirectories(of: id).isEmpty, "no cgroup after create")
            #expect(try runtime.processes(id: id) == [created.pid])

            try runtime.start(id: id)
            #expect(try runtime.state(id: id).status == .running)
            #expect(sandbox.waitFor { sandbox.read(out).contains("ready") }, "stderr: \(sandbox.read(err))")
            #expect(throws: RuntimeError.self) { try runtime.start(id: id) }
            #expect(throws: RuntimeError.self) { try runtime.delete(id: id, force: false) }

            try runtime.kill(id: id, signal: SIGTERM)
            #expect(sandbox.waitFor { (try? runtime.state(id: id).status) == .stopped }, "still running after SIGTERM")
            let stopped = try runtime.state(id: id)
            #expect(stopped.pid == 0)
            #expect(sandbox.read(out).contains("signal=SIGTERM"))
            sandbox.reap(pid: created.pid)

            try runtime.delete(id: id, force: false)
            #expect(sandbox.leftovers(of: id).isEmpty)
            #expect(throws: RuntimeError.self) { try runtime.state(id: id) }
        }
    }

    /// A process that exits at once is gone before anyone asks `state` (which then says pid 0), so a
    /// supervisor takes the pid from `create`; this is the race that once left a `--restart` container
    /// "running" forever.
    @Test func createNamesTheInitEvenAfterItExits() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("quick")
            let bundle = try sandbox.bundle(try BusyboxFixture.spec(["/bin/true"]))
            let (options, closeAll, _, _) = try sandbox.stdioOptions(id: id)
            defer { closeAll() }
            let made = try sandbox.runtime.create(id: id, bundle: bundle, options: options)
            let created = try sandbox.runtime.state(id: id)
            #expect(made.pid > 0 && made.pid == created.pid)
            #expect(made.startTime == SkiffRuntime.ProcessInfo.startTime(pid: made.pid))
            try sandbox.runtime.start(id: id)
            #expect(sandbox.waitFor { (try? sandbox.runtime.state(id: id).status) == .stopped })
            #expect(try sandbox.runtime.state(id: id).pid == 0)
            sandbox.reap(pid: made.pid)
            try sandbox.runtime.delete(id: id, force: false)
        }
    }

    @Test func terminalThroughAConsoleSocket() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("tty")
            var spec = try BusyboxFixture.spec([probe, "isatty"])
            spec.process?.terminal = true
            let bundle = try sandbox.bundle(spec)
            let socketPath = sandbox.directory + "/console.sock"
            let listener = try UnixListener(path: socketPath)
            defer { listener.close() }

            var options = OCIRuntime.StartOptions()
            options.consoleSocket = socketPath
            try sandbox.runtime.create(id: id, bundle: bundle, options: options)
            let master = try listener.receiveFD()
            defer { close(master) }
            try sandbox.runtime.start(id: id)

            let output = readAll(master, seconds: 10)
            #expect(output.contains("stdin=1"), "\(output)")
            #expect(output.contains("stdout=1"), "\(output)")
            #expect(output.contains("stderr=1"), "\(output)")
            #expect(sandbox.waitFor { (try? sandbox.runtime.state(id: id).status) == .stopped })
            try sandbox.runtime.delete(id: id, force: false)
        }
    }

    @Test func terminalWithoutConsoleSocketIsAClearError() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("tty")
            var spec = try BusyboxFixture.spec([probe, "isatty"])
            spec.process?.terminal = true
            let bundle = try sandbox.bundle(spec)
            #expect {
                try sandbox.runtime.create(id: id, bundle: bundle, options: .init())
            } throws: { error in
                "\(error)".contains("console-socket")
            }
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }

    @Test func deleteForceWithoutARecordRemovesTheCgroupAndDirectory() throws {
        try ContainerSandbox.with { sandbox in
            // What a `create` killed right after its first step leaves: a directory and a cgroup with a
            // live process in it, and no state.json.
            let id = sandbox.newID("orphan")
            let cgroup = try CgroupManager.forContainer(id: id, cgroupsPath: nil, logger: ContainerSandbox.logger)
            try cgroup.create(resources: nil)
            try FileManager.default.createDirectory(atPath: sandbox.root + "/" + id, withIntermediateDirectories: true)
            var pid: pid_t = 0
            var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("60"), nil]
            defer { for p in argv { free(p) } }
            #expect(posix_spawn(&pid, "/bin/sleep", nil, nil, &argv, environ) == 0)
            try cgroup.addProcess(pid: pid)

            try sandbox.runtime.delete(id: id, force: true)
            var status: Int32 = 0
            #expect(waitpid(pid, &status, 0) == pid)
            #expect(status & 0x7f == SIGKILL)
            #expect(sandbox.leftovers(of: id).isEmpty)
            #expect(throws: RuntimeError.self) { try sandbox.runtime.delete(id: id, force: true) }
        }
    }
}

/// A listening unix socket that receives one fd (the console socket of `oci create`).
struct UnixListener {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw SystemError("socket") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if ok != 0 || listen(fd, 1) != 0 { throw SystemError("bind/listen", path: path) }
    }

    func receiveFD() throws -> Int32 {
        let conn = accept(fd, nil, nil)
        if conn < 0 { throw SystemError("accept") }
        defer { Glibc.close(conn) }
        var byte = [UInt8](repeating: 0, count: 64)
        var control = [UInt8](repeating: 0, count: 64)
        let received: Int32 = byte.withUnsafeMutableBytes { dataBuf in
            control.withUnsafeMutableBytes { ctlBuf in
                var iov = iovec(iov_base: dataBuf.baseAddress, iov_len: dataBuf.count)
                return withUnsafeMutablePointer(to: &iov) { iovp in
                    var msg = msghdr()
                    msg.msg_iov = iovp
                    msg.msg_iovlen = 1
                    msg.msg_control = ctlBuf.baseAddress
                    msg.msg_controllen = ctlBuf.count
                    guard recvmsg(conn, &msg, 0) > 0, msg.msg_controllen >= MemoryLayout<cmsghdr>.size else {
                        return -1
                    }
                    // CMSG_DATA: the fd follows the (aligned) cmsghdr.
                    return ctlBuf.load(fromByteOffset: MemoryLayout<cmsghdr>.size, as: Int32.self)
                }
            }
        }
        if received < 0 { throw SystemError("recvmsg console fd") }
        return received
    }

    func close() { Glibc.close(fd) }
}

/// Read from `fd` until EOF or EIO (a terminal whose other side closed), or `seconds` pass.
func readAll(_ fd: Int32, seconds: Double) -> String {
    var out: [UInt8] = []
    let deadline = Date().addingTimeInterval(seconds)
    var buf = [UInt8](repeating: 0, count: 4096)
    while Date() < deadline {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if poll(&p, 1, 100) <= 0 { continue }
        let n = read(fd, &buf, buf.count)
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return String(decoding: out, as: UTF8.self)
}
