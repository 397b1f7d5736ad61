import Foundation
import Glibc
import Testing

@testable import SkiffRuntime

/// Debian's Docker (dockerd 20.10, its own containerd and containerd-shim-runc-v2) with `skiff-oci`
/// added as a runtime (`--add-runtime skiff=…`): the config.json Docker writes (a networking prestart
/// hook, its devices and cgroups), its `runc` command lines (create, start, exec, pause, resume, update,
/// kill, delete), a terminal through --console-socket, and a published port. The daemon runs with its
/// data root, exec root, pidfile, socket, config file and key under a temp dir, its own bridge, no
/// iptables and no ip_forward change; it is stopped by its pid and all it made is removed.
@Suite(
    "Docker with skiff-oci as a runtime", .serialized,
    .enabled(if: BusyboxFixture.available && SkiffBinary.ociPath != nil, BusyboxFixture.skipReason))
struct DockerRuntimeTests {
    static let dockerd = "/usr/sbin/dockerd"
    /// Debian's client (/usr/local/bin may hold another).
    static let docker = "/usr/bin/docker"

    @Test func runExecPauseUpdateTerminalAndAPort() throws {
        guard
            CallerDaemon.toolsPresent(
                [Self.dockerd, Self.docker, "/usr/bin/containerd", "/usr/bin/curl"],
                install: "docker.io and curl")
        else { return }
        let oci = try #require(SkiffBinary.ociPath)
        let dir = try CallerDaemon.tempDirectory("skiff-test-docker")
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let bridge = "skiffdk" + tag.prefix(6)
        let cgroupParent = "skiff-test-docker-\(tag)"
        let globals = CallerDaemon.absent(["/run/docker", "/run/containerd", "/etc/docker/key.json"])
        var daemon: Int32 = 0
        defer {
            if daemon > 0 {
                CallerDaemon.shell(
                    "\(Self.docker) -H unix://\(dir)/docker.sock rm -f $(\(Self.docker) -H unix://\(dir)/docker.sock ps -aq) 2>/dev/null"
                )
                CallerDaemon.stop(pid: daemon)
            }
            CallerDaemon.removeEverything(under: dir)
            CallerDaemon.shell("ip link del \(bridge) 2>/dev/null")
            CallerDaemon.removeCgroup(cgroupParent)
            for path in globals { CallerDaemon.shell("rm -rf '\(path)'") }
        }

        // A /24 no route on this host uses yet, for the bridge Docker attaches its containers to.
        let routes = CallerDaemon.shell("ip -4 route").output
        let subnet = try #require(
            (0..<200).lazy.map { _ in "10.\(Int.random(in: 100...250)).\(Int.random(in: 0...255))" }
                .first { !routes.contains($0 + ".") })
        try #require(
            CallerDaemon.shell(
                "ip link add \(bridge) type bridge && ip addr add \(subnet).1/24 dev \(bridge) "
                    + "&& ip link set \(bridge) up"
            ).status == 0)
        try #"{"deprecated-key-path": "\#(dir)/key.json"}"#.write(
            toFile: dir + "/daemon.json", atomically: true, encoding: .utf8)
        daemon = try CallerDaemon.startDaemon(
            "\(Self.dockerd) --config-file \(dir)/daemon.json --data-root \(dir)/data --exec-root \(dir)/exec "
                + "--pidfile \(dir)/docker.pid -H unix://\(dir)/docker.sock --bridge \(bridge) --iptables=false "
                + "--ip6tables=false --ip-forward=false --ip-masq=false --cgroup-parent /\(cgroupParent) "
                + "--containerd-namespace skiff-test --containerd-plugins-namespace skiff-test-plugins "
                + "--add-runtime skiff=\(oci)",
            log: dir + "/dockerd.log")
        let client = "\(Self.docker) -H unix://\(dir)/docker.sock"
        @discardableResult
        func docker(_ args: String) -> (status: Int32, output: String) { CallerDaemon.shell(client + " " + args) }
        try #require(
            CallerDaemon.waitFor(60) { docker("version").status == 0 },
            "dockerd did not come up: \(CallerDaemon.shell("tail -20 \(dir)/dockerd.log").output)")
        try #require(docker("load -q -i '\(PodmanFixture.image)'").status == 0)

        // --rm, attached: Docker's prestart hook set up eth0 on our bridge; output and exit code come back.
        let once = docker("run --rm --runtime skiff busybox sh -c 'ip -4 addr show eth0; exit 3'")
        #expect(once.status == 3, "\(once.output)")
        #expect(once.output.contains("inet \(subnet)."), "the prestart hook gave eth0 an address: \(once.output)")

        // -d, exec, pause/unpause, update --memory, stop.
        let started = docker("run -d --name web --runtime skiff busybox sleep 1000")
        try #require(started.status == 0, "\(started.output)")
        let id = started.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let exec = docker("exec web sh -c 'echo inside; exit 5'")
        #expect(exec.status == 5 && exec.output == "inside\n", "\(exec.output)")
        let execTTY = CallerDaemon.shell("script -qec \"\(client) exec -it web sh -c 'test -t 0 && tty'\" /dev/null")
        #expect(execTTY.output.contains("/dev/pts/"), "exec -it: \(execTTY.output)")
        #expect(docker("pause web").status == 0)
        #expect(docker("inspect -f '{{.State.Status}}' web").output == "paused\n")
        #expect(docker("unpause web").status == 0)
        #expect(docker("inspect -f '{{.State.Status}}' web").output == "running\n")
        let update = docker("update --memory 64m --memory-swap 128m web")
        #expect(update.status == 0, "\(update.output)")
        let limit = CallerDaemon.shell(
            "cat /sys/fs/cgroup/memory/\(cgroupParent)/\(id)/memory.limit_in_bytes "
                + "/sys/fs/cgroup/\(cgroupParent)/\(id)/memory.max 2>/dev/null"
        ).output
        #expect(limit == "\(64 << 20)\n", "the container's cgroup: \(limit)")
        #expect(docker("stop -t 1 web").status == 0)
        #expect(docker("inspect -f '{{.State.Status}}' web").output == "exited\n")
        #expect(docker("rm web").status == 0)

        // -it through a terminal.
        let tty = CallerDaemon.shell(
            "script -qec \"\(client) run -it --rm --runtime skiff busybox sh -c 'test -t 0 && tty'\" /dev/null")
        #expect(tty.output.contains("/dev/pts/0"), "\(tty.output)")

        // -p: Docker's proxy on 127.0.0.1 forwards to the container's port 80.
        let port = try #require(
            (0..<50).lazy.map { _ in Int.random(in: 20000...40000) }
                .first { CallerDaemon.shell("ss -Hltn 'sport = :\($0)'").output.isEmpty }, "no free port")
        let web = docker(
            "run -d --runtime skiff -p 127.0.0.1:\(port):80 busybox sh -c 'echo served-by-skiff > /tmp/index.html; httpd -f -p 80 -h /tmp'"
        )
        #expect(web.status == 0, "\(web.output)")
        #expect(
            CallerDaemon.waitFor(20) {
                CallerDaemon.shell("curl -s -m 2 http://127.0.0.1:\(port)/index.html").output == "served-by-skiff\n"
            }, "\(CallerDaemon.shell("curl -s -m 2 http://127.0.0.1:\(port)/index.html").output)")
        #expect(docker("rm -f $(\(client) ps -q)").status == 0)
        #expect(docker("ps -aq").output.isEmpty)
    }
}
