import Foundation
import SkiffKit
import Testing

/// What a process sees where Scripts/parity found Skiff and Docker 20.10 apart, through the built CLI:
/// HOME, the supplementary groups `id` shows, Docker's /etc/hosts lines and short host name, the order
/// of resolv.conf's lines, and /etc files as read-only as the root filesystem under `--read-only`.
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
}
