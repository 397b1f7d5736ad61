import Foundation
import Glibc
import SkiffTestSupport
import Testing

@testable import SkiffRuntime

/// Debian's containerd with `skiff-oci` as the runc binary of its io.containerd.runc.v2 shim: `ctr run
/// --runc-binary` (run, exec, pause, resume, ps, kill), and the CRI runtime handler of README.md and
/// docs/kubernetes.md (what a Kubernetes RuntimeClass names) loaded without error. The daemon's root,
/// state and sockets are under a temp dir; it is stopped by its pid and all it made is removed.
@Suite(
    "containerd with skiff-oci as its runc", .serialized,
    .enabled(if: BusyboxFixture.available && SkiffBinary.ociPath != nil, BusyboxFixture.skipReason))
struct ContainerdRuntimeTests {
    static let containerd = "/usr/bin/containerd"
    static let ctr = "/usr/bin/ctr"

    /// The CRI snippet of README.md and docs/kubernetes.md, with `binary` for skiff-oci's path.
    static func criSnippet(binary: String) -> String {
        """
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.skiff]
          runtime_type = "io.containerd.runc.v2"
          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.skiff.options]
            BinaryName = "\(binary)"
        """
    }

    @Test func documentedSnippetIsTheTestedOne() throws {
        let snippet = Self.criSnippet(binary: "/usr/local/bin/skiff-oci")
        for doc in ["README.md", "docs/kubernetes.md"] {
            let text = try String(contentsOfFile: RepositoryPaths.file(doc), encoding: .utf8)
            #expect(text.contains(snippet), "\(doc) shows the runtime handler this test loads")
        }
    }

    @Test func ctrRunExecPauseResumePsKillAndTheCRIHandler() throws {
        guard
            CallerDaemon.toolsPresent(
                [Self.containerd, Self.ctr, "/usr/bin/containerd-shim-runc-v2"],
                install: "containerd")
        else { return }
        let oci = try #require(SkiffBinary.ociPath)
        let dir = try CallerDaemon.tempDirectory("skiff-test-containerd")
        let namespace = "skiff-test-ctd-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let globals = CallerDaemon.absent(["/run/containerd"])
        var daemon: Int32 = 0
        let ctr = "\(Self.ctr) -a \(dir)/containerd.sock -n \(namespace)"
        @discardableResult
        func run(_ args: String) -> (status: Int32, output: String) { CallerDaemon.shell(ctr + " " + args) }
        defer {
            if daemon > 0 {
                run("task kill -s KILL c2 2>/dev/null; sleep 0.3; \(ctr) task rm -f c2; \(ctr) c rm c2")
                CallerDaemon.stop(pid: daemon)
            }
            CallerDaemon.removeEverything(under: dir)
            CallerDaemon.removeCgroup(namespace)
            for path in globals { CallerDaemon.shell("rm -rf '\(path)'") }
        }

        let config = """
            version = 2
            root = "\(dir)/root"
            state = "\(dir)/state"
            [grpc]
              address = "\(dir)/containerd.sock"
            [ttrpc]
              address = "\(dir)/containerd.sock.ttrpc"
            [plugins."io.containerd.grpc.v1.cri"]
              disable_tcp_service = true
              [plugins."io.containerd.grpc.v1.cri".cni]
                bin_dir = "\(dir)/cni/bin"
                conf_dir = "\(dir)/cni/conf"
              [plugins."io.containerd.grpc.v1.cri".containerd]
                default_runtime_name = "runc"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                  runtime_type = "io.containerd.runc.v2"
            \(Self.criSnippet(binary: oci).split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """
        try config.write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        daemon = try CallerDaemon.startDaemon(
            "\(Self.containerd) --config \(dir)/config.toml", log: dir + "/containerd.log")
        try #require(
            CallerDaemon.waitFor(30) { run("version").status == 0 },
            "containerd did not come up: \(CallerDaemon.shell("tail -20 \(dir)/containerd.log").output)")

        // The CRI plugin took the config with the skiff handler.
        let plugins = run("plugins ls").output
        #expect(
            plugins.split(separator: "\n").contains {
                $0.contains("io.containerd.grpc.v1") && $0.contains(" cri ")
                    && $0.split(separator: " ").last == "ok"
            },
            "\(plugins)")
        let log = CallerDaemon.shell("cat \(dir)/containerd.log").output
        #expect(!log.contains("failed to load plugin io.containerd.grpc.v1.cri"), "\(log)")
        #expect(
            log.contains("skiff:{Type:io.containerd.runc.v2") && log.contains("BinaryName:\(oci)"),
            "the cri plugin's runtimes name skiff-oci")

        try #require(run("images import --all-platforms '\(PodmanFixture.image)'").status == 0)
        let image = "docker.io/library/busybox:latest"
        let once = run("run --rm --runc-binary \(oci) \(image) c1 sh -c 'echo hello-from-ctr; exit 4'")
        #expect(once.output == "hello-from-ctr\n" && once.status == 4, "\(once.status) \(once.output)")

        try #require(run("run -d --runc-binary \(oci) \(image) c2 sleep 1000").status == 0)
        let exec = run("task exec --exec-id e1 c2 sh -c 'echo exec-ok'")
        #expect(exec.output == "exec-ok\n" && exec.status == 0, "\(exec.output)")
        #expect(run("task pause c2").status == 0)
        #expect(run("task ls").output.contains("PAUSED"))
        #expect(run("task resume c2").status == 0)
        #expect(run("task ls").output.contains("RUNNING"))
        let ps = run("task ps c2").output
        let pid =
            run("task ls").output.split(separator: "\n").last?.split(separator: " ").dropFirst().first.map(String.init)
            ?? "?"
        #expect(ps.contains(pid), "task ps lists the init \(pid): \(ps)")
        #expect(run("task kill -s KILL c2").status == 0)
        #expect(CallerDaemon.waitFor(10) { run("task ls").output.contains("STOPPED") })
        #expect(run("task rm c2").status == 0)
        #expect(run("c rm c2").status == 0)
    }
}
