import Foundation
import SkiffImage
import SkiffKit
import SkiffTestSupport
import Testing

/// The example project (examples/django-postgres) end to end, as root: both images built by Skiff from
/// debian:bookworm (Scripts/make-images; the build fetches Debian's packages from the mirrors), web
/// answering on 127.0.0.1:8000 and writing to Postgres through the name `db`, `run --rm` while up,
/// data kept by `down` and gone after `down -v`, nothing left at the end.
private let debianBookwormArchive = RepositoryPaths.imageArchive("debian-bookworm")

@Suite(
    "skiff compose: the django-postgres example",
    .enabled(
        if: getuid() == 0 && FileManager.default.fileExists(atPath: debianBookwormArchive)
            && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && ProcessInfo.processInfo.environment["SKIFF_SKIP_EXAMPLES"] == nil))
struct ComposeExampleTests {
    static let debianArchive = debianBookwormArchive
    static let example = RepositoryPaths.file("examples/django-postgres")

    struct Result {
        var status: Int32
        var out: String
        var err: String
    }

    let stateRoot: String

    init() throws {
        stateRoot = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-example-test-")
    }

    @discardableResult
    func skiff(_ args: [String], timeout: Double = 120) -> Result {
        let id = UUID().uuidString
        let outPath = stateRoot + "/.out-" + id, errPath = stateRoot + "/.err-" + id
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { unlink(outPath); unlink(errPath) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Engine.skiffPath)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: Self.example)
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = stateRoot
        p.environment = env
        p.standardOutput = FileHandle(forWritingAtPath: outPath)!
        p.standardError = FileHandle(forWritingAtPath: errPath)!
        p.standardInput = FileHandle.nullDevice
        try! p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL); Issue.record("skiff \(args) did not finish in \(timeout) s")
        }
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus, out: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            err: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// GET http://127.0.0.1:8000/ (curl; busybox wget without -T, which crashes Debian's busybox), retried
    /// for a few seconds while runserver starts.
    func page() -> String {
        for _ in 0..<60 {
            let p = Process()
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") {
                p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
                p.arguments = ["-sf", "--max-time", "5", "http://127.0.0.1:8000/"]
            } else {
                p.executableURL = URL(fileURLWithPath: "/bin/busybox")
                p.arguments = ["wget", "-q", "-O", "-", "http://127.0.0.1:8000/"]
            }
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            try? p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            if p.terminationStatus == 0 { return String(decoding: data, as: UTF8.self) }
            usleep(250_000)
        }
        return ""
    }

    @Test func talkDemo() async throws {
        try await HostPortLock.holding([8000]) { try demo() }
    }

    func demo() throws {
        let engine = Engine(root: stateRoot)
        defer {
            _ = skiff(["compose", "down", "-v"])
            for c in engine.containers.all() { try? engine.remove(c.id, force: true, volumes: true) }
            _ = try? engine.pruneNetworks()
            FileIO.removeTree(stateRoot)
        }
        #expect(skiff(["load", "-i", Self.debianArchive]).status == 0)
        let up = skiff(["compose", "up", "-d", "--wait"], timeout: 900)
        #expect(up.status == 0, "\(up.err)")
        #expect(page().contains("Hello from Django on Skiff: visit 1 (PostgreSQL 15"))
        #expect(page().contains("visit 2"))
        let ps = skiff(["compose", "ps"])
        #expect(ps.out.contains("(healthy)") && ps.out.contains("0.0.0.0:8000->8000/tcp"), "\(ps.out)")

        // A one-off manage.py command while up runs, and no extra container afterwards.
        let run = skiff(["compose", "run", "--rm", "-T", "web", "python3", "manage.py", "showmigrations", "visits"])
        #expect(run.out.contains("[X] 0001_initial"), "\(run.out)\(run.err)")
        #expect(engine.listContainers().count == 2)

        // stop web / start web leaves db running.
        let dbPid = engine.listContainers().first { $0.composeService == "db" }?.pid
        #expect(skiff(["compose", "stop", "web"]).status == 0)
        #expect(skiff(["compose", "start", "web"]).status == 0)
        #expect(engine.listContainers().first { $0.composeService == "db" }?.pid == dbPid)
        #expect(page().contains("visit 3"))

        // The rows survive down + up (named volume) and are gone after down -v.
        #expect(skiff(["compose", "down"]).status == 0)
        #expect(skiff(["compose", "up", "-d", "--wait"], timeout: 300).status == 0)
        #expect(page().contains("visit 4"))
        #expect(skiff(["compose", "down", "-v"]).status == 0)
        #expect(skiff(["compose", "up", "-d", "--wait"], timeout: 300).status == 0)
        #expect(page().contains("visit 1 "))
        let ids = engine.listContainers().map(\.id)
        #expect(skiff(["compose", "down", "-v"]).status == 0)
        #expect(engine.listContainers().isEmpty)
        #expect(engine.listVolumes().isEmpty)
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        #expect(!mounts.contains(stateRoot))
        for id in ids {
            let left = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [])
                .map { "/sys/fs/cgroup/\($0)/skiff/\(id)" }.filter { FileManager.default.fileExists(atPath: $0) }
            #expect(left.isEmpty, "cgroups left: \(left)")
        }
    }
}
