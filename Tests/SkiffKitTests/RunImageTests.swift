import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
import SkiffRuntime
import Testing

/// `skiff run IMAGE` end to end as root: layers unpacked once, an overlay rootfs made inside the
/// container, the image's config applied with Docker's rules, and nothing left behind.
@Suite("Run a container from an image", .enabled(if: getuid() == 0 && TestImage.fixtureExists))
struct RunImageTests {
    struct Output {
        var status: SkiffRuntime.ExitStatus
        var stdout: String
        var stderr: String
    }

    func run(_ root: TestRoot, _ image: String, _ options: RunOptions, env: [String: String] = [:]) throws -> (
        Container, Output
    ) {
        let container = try root.engine.createContainer(image: image, options: options, callerEnvironment: env)
        let out = root.path + "/out-\(container.id)"
        let err = root.path + "/err-\(container.id)"
        let outFD = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let errFD = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { close(outFD); close(errFD) }
        let status = try root.engine.runAttached(
            container, interactive: false, stdout: outFD, stderr: errFD, keepsLog: true)
        return (
            container,
            Output(
                status: status, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
        )
    }

    func options(_ command: [String], _ change: (inout RunOptions) -> Void = { _ in }) -> RunOptions {
        var o = RunOptions()
        o.command = command
        change(&o)
        return o
    }

    @Test func echoHi() throws {
        let root = try TestRoot()
        defer { root.cleanUp() }
        try TestImage.make(
            "busybox", layers: [TestImage.busyboxRootfs], config: TestImage.busyboxConfig(),
            store: root.engine.images, scratch: root.path)
        let (_, out) = try run(root, "busybox", options(["echo", "hi"]))
        #expect(out.status.shellStatus == 0, "stderr: \(out.stderr)")
        #expect(out.stdout == "hi\n")
    }

    @Test func loopbackIsUpInAPrivateNetworkNamespace() throws {
        let root = try TestRoot()
        defer { root.cleanUp() }
        try TestImage.make(
            "busybox", layers: [TestImage.busyboxRootfs], config: TestImage.busyboxConfig(),
            store: root.engine.images, scratch: root.path)
        let (_, out) = try run(
            root, "busybox", options(["sh", "-c", "ip link show lo; ping -c1 -W1 127.0.0.1 >/dev/null && echo pong"]))
        #expect(out.stdout.contains("<LOOPBACK,UP"), "stdout: \(out.stdout) stderr: \(out.stderr)")
        #expect(out.stdout.contains("pong"))
    }

    @Test func imageConfigIsApplied() throws {
        let root = try TestRoot()
        defer { root.cleanUp() }
        var config = TestImage.busyboxConfig()
        config.Env = (config.Env ?? []) + ["GREETING=hello", "LANG=C.UTF-8"]
        config.WorkingDir = "/srv/app"
        config.User = "nobody"
        config.Entrypoint = ["sh", "-c"]
        config.Cmd = ["echo default"]
        try TestImage.make(
            "app:1", layers: [TestImage.busyboxRootfs], config: config,
            store: root.engine.images, scratch: root.path)
        let (_, def) = try run(root, "app:1", options([]))
        #expect(def.stdout == "default\n", "stderr: \(def.stderr)")
        let script = "echo $GREETING $LANG $(pwd) $(id -u):$(id -g) $HOSTNAME"
        let (c, out) = try run(
            root, "app:1", options([script]) { $0.env = ["LANG=fr", "FROM_CALLER"] },
            env: ["FROM_CALLER": "x"])
        #expect(out.stdout == "hello fr /srv/app 65534:65534 \(c.id.prefix(12))\n", "stderr: \(out.stderr)")
        let (_, overridden) = try run(
            root, "app:1",
            options(["pwd; id -u"]) {
                $0.workdir = "/tmp"; $0.user = "0"
            })
        #expect(overridden.stdout == "/tmp\n0\n")
        let (_, entry) = try run(root, "app:1", options(["hi", "there"]) { $0.entrypoint = "echo" })
        #expect(entry.stdout == "hi there\n")
    }

    @Test func exitCodesAndUnknownUser() throws {
        let root = try TestRoot()
        defer { root.cleanUp() }
        try TestImage.make(
            "busybox", layers: [TestImage.busyboxRootfs], config: TestImage.busyboxConfig(),
            store: root.engine.images, scratch: root.path)
        let (_, three) = try run(root, "busybox", options(["sh", "-c", "exit 3"]))
        #expect(three.status.shellStatus == 3)
        #expect(throws: KitError.self) {
            try root.engine.createContainer(image: "busybox", options: options(["true"]) { $0.user = "ghost" })
        }
        #expect { try root.engine.createContainer(image: "nope:1", options: options(["true"])) } throws: { error in
            "\(error)".contains("image nope:1 not found locally")
        }
    }

    @Test func writesStayInTheContainerAndRmRemovesThem() throws {
        let root = try TestRoot()
        defer { root.cleanUp() }
        try TestImage.make(
            "busybox", layers: [TestImage.busyboxRootfs], config: TestImage.busyboxConfig(),
            store: root.engine.images, scratch: root.path)
        let (c, out) = try run(root, "busybox", options(["sh", "-c", "echo data > /note; rm /bin/vi; cat /note"]))
        #expect(out.stdout == "data\n", "stderr: \(out.stderr)")
        let dir = root.engine.containers.directory(of: c.id)
        #expect(FileManager.default.fileExists(atPath: dir + "/upper/note"))
        // The image's layer is untouched: the deletion is a whiteout in the container's upper dir.
        let chain = root.engine.containers.all().first!.layerChainIDs[0]
        #expect(FileManager.default.fileExists(atPath: root.engine.layers.diffPath(chainID: chain) + "/bin/vi"))
        let (_, fresh) = try run(root, "busybox", options(["sh", "-c", "cat /note 2>&1; ls /bin/vi"]))
        #expect(fresh.stdout.contains("No such file"))
        #expect(fresh.stdout.contains("/bin/vi"))
        try root.engine.removeContainer(c.name, force: false)
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    @Test func autoRemoveLeavesNoContainerDirectory() throws {
        let root = try TestRoot()
        defer { root.cleanUp() }
        try TestImage.make(
            "busybox", layers: [TestImage.busyboxRootfs], config: TestImage.busyboxConfig(),
            store: root.engine.images, scratch: root.path)
        let (_, out) = try run(root, "busybox", options(["true"]) { $0.remove = true })
        #expect(out.status.shellStatus == 0)
        #expect(root.engine.containers.all().isEmpty)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: root.path + "/containers")) ?? []
        #expect(left.filter { !$0.hasPrefix(".") }.isEmpty, "left: \(left)")
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        #expect(!mounts.contains(root.path), "a mount under the state root was left on the host")
    }

    @Test func twoLayersWithAWhiteoutMergeLikeOverlay() throws {
        let root = try TestRoot()
        defer { root.cleanUp() }
        let top = root.path + "/top"
        try FileManager.default.createDirectory(atPath: top + "/etc", withIntermediateDirectories: true)
        try "second layer\n".write(toFile: top + "/etc/motd", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: top + "/bin", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: top + "/bin/.wh.vi", contents: nil))
        try TestImage.make(
            "layered", layers: [TestImage.busyboxRootfs, top], config: TestImage.busyboxConfig(),
            store: root.engine.images, scratch: root.path)
        let (_, out) = try run(root, "layered", options(["sh", "-c", "cat /etc/motd; ls /bin/vi 2>&1; ls /bin/ls"]))
        #expect(out.stdout.contains("second layer"))
        #expect(out.stdout.contains("No such file"))
        #expect(out.stdout.contains("/bin/ls"))
    }
}
