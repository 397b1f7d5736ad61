import Foundation
import Glibc
import Logging
import SkiffOCI
import SkiffTestSupport
import Testing

@testable import SkiffRuntime

/// The busybox bundle `Scripts/make-fixtures` makes (rootfs with /bin/skiff-probe, runc-like config.json).
/// Found through $SKIFF_FIXTURE_BUNDLE or, by default, rootfs-fixtures/out/busybox next to this package.
enum BusyboxFixture {
    static let bundle = RepositoryPaths.busyboxBundle

    static var rootfs: String { bundle + "/rootfs" }

    /// Root, and a fixture with the probe in it. The test script always makes the fixture first; this
    /// only keeps a plain `swift test` by a non-root user from failing for reasons outside the code.
    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: rootfs + "/bin/skiff-probe")
            && FileManager.default.fileExists(atPath: bundle + "/config.json")
    }

    static let skipReason: Comment =
        "needs root and the busybox fixture (run Scripts/make-fixtures, or set SKIFF_FIXTURE_BUNDLE)"

    /// The fixture's config.json with root.path made absolute and `args` as the process.
    static func spec(_ args: [String]) throws -> Spec {
        let data = try Data(contentsOf: URL(fileURLWithPath: bundle + "/config.json"))
        var spec = try JSONDecoder().decode(Spec.self, from: data)
        spec.root = Root(path: rootfs, readonly: false)
        spec.process?.args = args
        spec.process?.terminal = false
        return spec
    }

    /// Docker's default spec (DockerDefaults) on the fixture rootfs.
    static func dockerSpec(_ args: [String]) -> Spec {
        DockerDefaults.spec(rootfs: rootfs, args: args)
    }

    static let probe = "/bin/skiff-probe"
}

/// The result of an attached run: exit status and what the process wrote.
struct RunOutput {
    var status: SkiffRuntime.ExitStatus
    var stdout: String
    var stderr: String
}

/// One test's private world: a temporary directory holding the state root and the bundles, and the
/// containers made in it. `finish()` force-deletes them all and checks that nothing is left behind
/// (state directory, cgroup in any hierarchy, mounts under the directory), then removes the directory.
final class ContainerSandbox {
    let directory: String
    let root: String
    var runtime: OCIRuntime
    private(set) var ids: [String] = []
    private var bundles = 0

    static let logger: Logger = {
        var l = Logger(label: "skiff.test")
        l.logLevel = .warning
        return l
    }()

    init() throws {
        var template = Array("/tmp/skiff-rt-test-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            throw SystemError("mkdtemp", path: "/tmp/skiff-rt-test-XXXXXX")
        }
        directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        root = directory + "/state"
        runtime = OCIRuntime(root: root, logger: Self.logger)
    }

    /// Run `body` with a fresh sandbox, cleaning up whatever happens.
    static func with<T>(_ body: (ContainerSandbox) throws -> T) throws -> T {
        let sandbox = try ContainerSandbox()
        defer { sandbox.finish() }
        return try body(sandbox)
    }

    /// A new container id, unique across parallel tests, recorded for cleanup.
    func newID(_ hint: String = "c") -> String {
        let id = "skiff-test-\(hint)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        ids.append(id)
        return id
    }

    /// Write `spec` as config.json in a new bundle directory; returns the bundle path.
    func bundle(_ spec: Spec) throws -> String {
        bundles += 1
        let dir = directory + "/bundle-\(bundles)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        try encoder.encode(spec).write(to: URL(fileURLWithPath: dir + "/config.json"))
        return dir
    }

    /// A file in the sandbox to collect output, opened for writing (O_CLOEXEC; the spawn dup2s it).
    func outputFile(_ name: String) throws -> (path: String, fd: Int32) {
        let path = directory + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw SystemError("open", path: path) }
        return (path, fd)
    }

    func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// Options with stdin from /dev/null and stdout/stderr into files `<id>.out` / `<id>.err`.
    func stdioOptions(id: String) throws -> (OCIRuntime.StartOptions, close: () -> Void, out: String, err: String) {
        let devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let out = try outputFile(id + ".out")
        let err = try outputFile(id + ".err")
        var options = OCIRuntime.StartOptions()
        options.stdio = (devnull, out.fd, err.fd)
        return (
            options,
            {
                close(devnull); close(out.fd); close(err.fd)
            }, out.path, err.path
        )
    }

    /// `oci run`, attached, with output captured.
    func run(_ spec: Spec, id: String? = nil) throws -> RunOutput {
        let id = id ?? newID()
        let bundle = try bundle(spec)
        let (options, closeAll, out, err) = try stdioOptions(id: id)
        defer { closeAll() }
        let status = try runtime.run(id: id, bundle: bundle, options: options)
        return RunOutput(status: status, stdout: read(out), stderr: read(err))
    }

    /// `oci run --detach`, output into files; returns the id and the paths of stdout and stderr.
    func runDetached(_ spec: Spec, id: String? = nil) throws -> (id: String, out: String, err: String) {
        let id = id ?? newID()
        let bundle = try bundle(spec)
        let (options, closeAll, out, err) = try stdioOptions(id: id)
        defer { closeAll() }
        try runtime.runDetached(id: id, bundle: bundle, options: options)
        return (id, out, err)
    }

    /// Poll until `condition` holds or `seconds` pass.
    @discardableResult
    func waitFor(_ seconds: Double = 30, _ condition: () -> Bool) -> Bool {
        Poll.until(seconds, interval: 0.01, condition)
    }

    /// The cgroup directories of `id` at the default paths (/skiff/<id>, /skiff-<id>) that exist, in any hierarchy.
    static func cgroupDirectories(of id: String) -> [String] { HostLeftovers.cgroupDirectories(id) }

    /// Everything `id` could have left on the host: its state directory and its cgroups.
    func leftovers(of id: String) -> [String] {
        var left = Self.cgroupDirectories(of: id)
        if FileManager.default.fileExists(atPath: root + "/" + id) { left.append(root + "/" + id) }
        return left
    }

    /// Mount points under the sandbox directory (there should be none).
    func mountsInside() -> [String] {
        let info = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return info.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4, fields[4].hasPrefix(directory) else { return nil }
            return String(fields[4])
        }
    }

    /// Reap a container init this process created (create/runDetached make it our child).
    func reap(pid: Int32) {
        guard pid > 0 else { return }
        var status: Int32 = 0
        _ = waitpid(pid, &status, WNOHANG)
    }

    func finish() {
        for id in ids {
            let pid = (try? runtime.load(id: id))?.pid ?? 0
            do {
                try runtime.delete(id: id, force: true)
            } catch RuntimeError.notFound {
            } catch {
                Issue.record("cleanup: delete --force \(id): \(error)")
            }
            reap(pid: pid)
            let left = leftovers(of: id)
            if !left.isEmpty {
                Issue.record("container \(id) left behind: \(left)")
                for dir in left.reversed() { rmdir(dir) }
            }
        }
        let mounts = mountsInside()
        if !mounts.isEmpty {
            Issue.record("mounts left under \(directory): \(mounts)")
            for m in mounts.reversed() { umount2(m, Int32(MNT_DETACH)) }
        }
        do { try FileManager.default.removeItem(atPath: directory) } catch {
            Issue.record("cleanup of \(directory): \(error)")
        }
    }
}

extension RunOutput {
    /// `key=value` lines of a probe's output.
    var values: [String: String] {
        var out: [String: String] = [:]
        for line in stdout.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    var trimmed: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
}
