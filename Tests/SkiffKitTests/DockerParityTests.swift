import Foundation
import SkiffKit
import Testing

/// What a process sees where Scripts/parity found Skiff and Docker 20.10 apart, through the built CLI:
/// HOME, the supplementary groups `id` shows, Docker's /etc/hosts lines and short host name, the order
/// of resolv.conf's lines, /etc files as read-only as the root filesystem under `--read-only`, and the
/// empty /.dockerenv every container has (which is never the container's change nor a build step's).
@Suite(.serialized) struct DockerParityTests {
    static func run(_ root: CLIRoot, _ args: String...) -> CLIRoot.Result {
        root.skiff(["run", "--rm"] + args)
    }

    @Test func homeAndGroupsAreDockers() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let asRoot = Self.run(root, "--network", "none", "busybox", "sh", "-c", "echo HOME=$HOME; id")
        #expect(asRoot.status == 0 && asRoot.out == "HOME=/root\nuid=0(root) gid=0(root) groups=0(root)\n", "\(asRoot)")
        let unknown = Self.run(root, "--network", "none", "-u", "1000", "busybox", "sh", "-c", "echo HOME=$HOME; id")
        #expect(unknown.out == "HOME=/\nuid=1000 gid=0(root) groups=0(root)\n", "\(unknown)")
        let nobody = Self.run(root, "--network", "none", "-u", "nobody", "busybox", "id")
        #expect(nobody.out == "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n", "\(nobody)")
        let given = Self.run(root, "--network", "none", "-e", "HOME=/srv", "busybox", "sh", "-c", "echo $HOME")
        #expect(given.out == "/srv\n", "\(given)")
    }

    @Test func defaultHomeIsNotConfigEnv() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        #expect(root.skiff("create", "--name", "d", "--network", "none", "busybox", "true").status == 0)
        #expect(
            root.skiff("create", "--name", "g", "--network", "none", "-e", "HOME=/srv", "busybox", "true").status == 0)
        let env = root.skiff("inspect", "-f", "{{json .Config.Env}}", "d", "g")
        #expect(env.status == 0 && env.out.components(separatedBy: "HOME=").count == 2, "\(env)")
        #expect(env.out.contains("HOME=/srv"), "\(env)")
        // exec -u gets that user's HOME; -e still wins.
        #expect(root.skiff("run", "-d", "--name", "r", "--network", "none", "busybox", "sleep", "60").status == 0)
        #expect(root.skiff("exec", "r", "sh", "-c", "echo $HOME").out == "/root\n")
        #expect(root.skiff("exec", "-u", "nobody", "r", "sh", "-c", "echo $HOME").out == "/nonexistent\n")
        #expect(root.skiff("exec", "-u", "nobody", "-e", "HOME=/x", "r", "sh", "-c", "echo $HOME").out == "/x\n")
        // A committed image does not carry the default HOME: another user gets its own again.
        #expect(root.skiff("commit", "d", "fromd").status == 0)
        let other = Self.run(root, "--network", "none", "-u", "1000", "fromd", "sh", "-c", "echo $HOME")
        #expect(other.out == "/\n", "\(other)")
    }

    @Test func etcFilesAreDockers() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let hosts = Self.run(
            root, "--hostname", "probe.example.com", "--dns", "10.9.9.9", "--dns-search", "example.org",
            "busybox", "sh", "-c", "cat /etc/hosts /etc/resolv.conf")
        #expect(hosts.status == 0, "\(hosts)")
        #expect(
            hosts.out.hasPrefix(
                "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
                    + "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n"), "\(hosts)")
        #expect(hosts.out.contains("\tprobe.example.com probe\n"), "\(hosts)")
        #expect(hosts.out.contains("search example.org\nnameserver 10.9.9.9\n"), "\(hosts)")
        // The short name resolves, as in Docker.
        let ping = Self.run(
            root, "--hostname", "probe.example.com", "busybox", "sh", "-c", "ping -c1 -W1 probe >/dev/null && echo ok")
        #expect(ping.out == "ok\n", "\(ping)")
    }

    /// The lines Docker's /etc/hosts starts with.
    static let dockerHostsLines =
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
        + "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n"

    /// The `--add-host` lines come before the container's own, as Docker writes them, on the default
    /// bridge and with no network (the embedded DNS server's side of it: EmbeddedDNSTests).
    @Test func addHostLinesComeBeforeTheContainersLine() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let fixed = Self.dockerHostsLines
        let extra = "10.1.2.3\tdb.local\n10.1.2.4\tother\n"
        for network in ["bridge", "none"] {
            let r = Self.run(
                root, "--network", network, "--hostname", "me", "--add-host", "db.local:10.1.2.3", "--add-host",
                "other:10.1.2.4", "busybox", "sh", "-c", "cat /etc/hosts; ping -c1 -W1 other | head -n1")
            #expect(r.status == 0, "\(network): \(r)")
            #expect(r.out.hasPrefix(fixed + extra), "\(network): \(r.out)")
            let own = r.out.dropFirst(fixed.count + extra.count).split(separator: "\n").first ?? ""
            // With no network the file has no line for the container (Docker's: noNetworkIsDockers).
            #expect(
                network == "none" ? own.hasPrefix("PING other") : own.hasSuffix("\tme"),
                "\(network): the line after the extra hosts is \(own)")
            #expect(r.out.contains("PING other (10.1.2.4)"), "\(network): \(r.out)")
        }
    }

    /// `--network none` as Docker 20.10's: /etc/hosts has no line for the container (its name does not
    /// resolve) and IPv6 is off in the namespace, so lo has 127.0.0.1 alone. The same IPv6 policy on a
    /// network without IPv6 (no ::1, no link-local address on eth0), and on one with it: on for its
    /// interface and lo, lo off again when it is disconnected. `--sysctl` still wins.
    @Test func noNetworkIsDockers() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let fixed = Self.dockerHostsLines
        let show =
            "cat /etc/hosts; echo ---; ip addr | grep -E '^[0-9]|inet'; echo ---; "
            + "for f in all lo eth0; do cat /proc/sys/net/ipv6/conf/$f/disable_ipv6 2>/dev/null; done; true"
        let none = Self.run(root, "--network", "none", "--hostname", "me", "busybox", "sh", "-c", show)
        #expect(none.status == 0, "\(none)")
        let parts = none.out.components(separatedBy: "---\n")
        #expect(parts.first == fixed, "\(none.out)")
        guard access("/proc/sys/net/ipv6", F_OK) == 0 else { return }
        #expect(!none.out.contains("inet6"), "\(none.out)")
        #expect(parts.last == "1\n1\n", "\(none.out)")
        let given = Self.run(
            root, "--network", "none", "--sysctl", "net.ipv6.conf.all.disable_ipv6=0", "busybox", "sh", "-c", show)
        #expect(given.out.contains("inet6 ::1/128"), "\(given)")

        let bridge = Self.run(root, "busybox", "sh", "-c", show)
        #expect(bridge.status == 0, "\(bridge)")
        #expect(!bridge.out.contains("inet6"), "\(bridge.out)")
        #expect(bridge.out.hasSuffix("---\n1\n1\n1\n"), "\(bridge.out)")

        guard HostIPv6.enabled else { return }
        let made = root.skiff("network", "create", "--ipv6", "--subnet", "fd00:6e1::/64", "parity6")
        try #require(made.status == 0, "\(made)")
        let six = Self.run(root, "--network", "parity6", "busybox", "sh", "-c", show)
        #expect(six.out.contains("inet6 ::1/128"), "\(six.out)")
        #expect(six.out.contains("inet6 fd00:6e1::"), "\(six.out)")
        #expect(six.out.hasSuffix("---\n1\n0\n0\n"), "\(six.out)")
        let started = root.skiff("run", "-d", "--name", "sixer", "--network", "parity6", "busybox", "sleep", "60")
        try #require(started.status == 0, "\(started)")
        let lo = "cat /proc/sys/net/ipv6/conf/lo/disable_ipv6"
        #expect(root.skiff("exec", "sixer", "sh", "-c", lo).out == "0\n")
        #expect(root.skiff("network", "connect", "bridge", "sixer").status == 0)
        #expect(root.skiff("network", "disconnect", "parity6", "sixer").status == 0)
        #expect(root.skiff("exec", "sixer", "sh", "-c", lo).out == "1\n")
    }

    /// The /etc files are mounted in Docker's order (resolv.conf, hostname, hosts) and the read-only
    /// paths come before the masks, as runc binds them.
    @Test func mountsAreInDockersOrder() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let r = Self.run(root, "busybox", "sh", "-c", "cut -d' ' -f5 /proc/self/mountinfo")
        #expect(r.status == 0, "\(r)")
        let points = r.out.split(separator: "\n").map(String.init)
        let etc = points.filter { $0.hasPrefix("/etc/") }
        #expect(etc == ["/etc/resolv.conf", "/etc/hostname", "/etc/hosts"], "\(points)")
        let sys = try #require(points.firstIndex(of: "/proc/sys"), "\(points)")
        let keys = try #require(points.firstIndex(of: "/proc/keys"), "\(points)")
        #expect(sys < keys, "\(points)")
    }

    @Test func readOnlyRootMakesEtcFilesReadOnly() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let r = Self.run(
            root, "--read-only", "--network", "none", "busybox", "sh", "-c",
            "for f in hosts hostname resolv.conf; do echo x >>/etc/$f 2>/dev/null && echo wrote $f; done; echo done")
        #expect(r.status == 0 && r.out == "done\n", "\(r)")
        // Without --read-only they stay writable.
        let w = Self.run(root, "--network", "none", "busybox", "sh", "-c", "echo x >>/etc/hosts && echo wrote")
        #expect(w.out == "wrote\n", "\(w)")
    }

    @Test func everyContainerHasDockerenvAndItIsNeverAChange() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let ls = Self.run(root, "--network", "none", "busybox", "sh", "-c", "stat -c '%A %s %U' /.dockerenv")
        #expect(ls.status == 0 && ls.out == "-rwxr-xr-x 0 root\n", "\(ls)")
        // --read-only: still there, in the read-only root.
        let ro = Self.run(
            root, "--read-only", "--network", "none", "busybox", "sh", "-c", "test -f /.dockerenv && echo ok")
        #expect(ro.out == "ok\n", "\(ro)")
        #expect(root.skiff("create", "--name", "c", "--network", "none", "busybox", "true").status == 0)
        let diff = root.skiff("diff", "c")
        #expect(diff.status == 0 && !diff.out.contains("dockerenv"), "\(diff)")
        // A build step's layer does not carry it (nor a commit's).
        let context = root.path + "/ctx"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "FROM busybox\nRUN touch /made\n".write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        let build = root.skiff(["build", "-t", "withrun", context], timeout: 120)
        #expect(build.status == 0, "\(build)")
        #expect(root.skiff("commit", "c", "committed").status == 0)
        for image in ["withrun", "committed"] {
            let archive = root.path + "/\(image).tar"
            #expect(root.skiff("save", "-o", archive, image).status == 0)
            let files = try Self.layerFiles(archive, scratch: root.path + "/\(image)-x")
            #expect(!files.contains { $0.hasSuffix(".dockerenv") }, "\(image): \(files)")
            if image == "withrun" { #expect(files.contains { $0.hasSuffix("made") }, "\(files)") }
        }
    }

    /// Every path in every layer of a saved image.
    static func layerFiles(_ archive: String, scratch: String) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = [
            "-c",
            "mkdir -p \"$1\" && tar -xf \"$2\" -C \"$1\" && find \"$1/blobs\" -type f | while read -r f; do tar -tf \"$f\" 2>/dev/null; done",
            "sh", scratch, archive,
        ]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func privilegedSeesTheHostsDevices() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let wanted = ["/dev/kmsg", "/dev/loop-control", "/dev/net/tun"].filter {
            FileManager.default.fileExists(atPath: $0)
        }
        try #require(!wanted.isEmpty, "this host has none of the devices the test looks for")
        let script =
            wanted.map { "test -c \($0) && echo \($0)" }.joined(separator: "; ") + "; ls /dev/pts | tr '\\n' ' '"
        let privileged = Self.run(root, "--privileged", "--network", "none", "busybox", "sh", "-c", script)
        #expect(privileged.out == wanted.map { $0 + "\n" }.joined() + "ptmx ", "\(privileged)")
        // Not without --privileged: the defaults only.
        let plain = Self.run(root, "--network", "none", "busybox", "sh", "-c", script)
        #expect(plain.out == "ptmx ", "\(plain)")
    }
}
