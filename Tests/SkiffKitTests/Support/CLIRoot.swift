import Foundation
import SkiffImage
import SkiffKit
import SkiffTestSupport
import Testing

/// A state root of its own for one test that drives the built `skiff` CLI (and its monitor) as a user
/// would, with the busybox image loaded. `cleanUp` removes every container and checks nothing is left:
/// no process mentioning the root (monitors), no cgroup of its containers, no mount under it.
/// Immutable after init, so tests may call `skiff` from several threads at once.
class CLIRoot: @unchecked Sendable {
    let path: String
    let engine: Engine
    /// Set for every CLI run of this root (e.g. SKIFF_FIREWALL).
    let environment: [String: String]

    /// A command the CLI runs under (e.g. `ip netns exec NS`), for tests in a namespace of their own.
    let launcher: [String]

    /// The skiff binary this root runs (the build's, unless a test runs a copy).
    let executable: String

    init(
        prefix: String = "skiff-cli-test-", environment: [String: String] = [:], launcher: [String] = [],
        executable: String = Engine.skiffPath, in directory: String = "/tmp"
    ) throws {
        self.environment = environment
        self.launcher = launcher
        self.executable = executable
        path = try FileIO.makeTemporaryDirectory(in: directory, prefix: prefix)
        engine = Engine(root: path)
        try TestImage.make(
            "busybox", layers: [TestImage.busyboxRootfs], config: TestImage.busyboxConfig(),
            store: engine.images, scratch: path)
    }

    struct Result {
        var status: Int32
        var out: String
        var err: String
    }

    @discardableResult
    func skiff(_ args: String..., timeout: Double = 60) -> Result { skiff(args, timeout: timeout) }

    /// Run the CLI with this root and wait (at most `timeout` seconds, then it is killed and the test fails).
    @discardableResult
    func skiff(_ args: [String], timeout: Double = 60) -> Result {
        let name = UUID().uuidString
        let outPath = path + "/.out-" + name
        let errPath = path + "/.err-" + name
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { unlink(outPath); unlink(errPath) }
        let p = launch(
            args, stdout: FileHandle(forWritingAtPath: outPath)!, stderr: FileHandle(forWritingAtPath: errPath)!)
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            Issue.record("skiff \(args) did not finish in \(timeout) s")
        }
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus,
            out: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            err: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// Start the CLI with this root without waiting.
    func launch(_ args: [String], stdout: Any = Pipe(), stderr: Any = FileHandle.nullDevice) -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: launcher.first ?? executable)
        p.arguments = launcher.isEmpty ? args : Array(launcher.dropFirst()) + [executable] + args
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = path
        env.merge(environment) { $1 }
        p.environment = env
        p.standardOutput = stdout
        p.standardError = stderr
        p.standardInput = FileHandle.nullDevice
        try! p.run()
        return p
    }

    func inspect(_ name: String, _ format: String) -> String {
        skiff("inspect", "-f", format, name).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Wait until `condition` holds (polling), at most `timeout` seconds.
    func eventually(_ timeout: Double = 30, _ condition: () -> Bool) -> Bool { Poll.until(timeout, condition) }

    /// Remove every container (`removeVolumes`: and its anonymous volumes), then check what was left.
    func cleanUp(removeVolumes: Bool = false) {
        let ids = engine.containers.all().map(\.id)
        for id in ids { try? engine.remove(id, force: true, volumes: removeVolumes) }
        let bridges = engine.networks.all().map(\.bridge)
        _ = try? engine.pruneNetworks()
        for b in bridges { #expect(access("/sys/class/net/" + b, F_OK) != 0, "bridge \(b) of \(path) left") }
        _ = eventually(5) { HostLeftovers.processesMentioning(path).isEmpty }
        #expect(
            HostLeftovers.processesMentioning(path).isEmpty,
            "processes left: \(HostLeftovers.processesMentioning(path))")
        for id in ids {
            let left = HostLeftovers.cgroupDirectories(id)
            #expect(left.isEmpty, "cgroups left: \(left)")
        }
        checkBeforeRemoval()
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        #expect(!mounts.contains(path), "a mount under \(path) is left")
        FileIO.removeTree(path)
    }

    /// More checks of a subclass, run by `cleanUp` before the root is removed.
    func checkBeforeRemoval() {}
}
