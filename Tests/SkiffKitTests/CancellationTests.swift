import Foundation
import SkiffImage
import SkiffKit
import SkiffTestSupport
import Testing

/// Issue 15 item 4: a long build, pull, load, import or compose run ends on Ctrl-C (SIGINT) or SIGTERM
/// within seconds, with Docker's status (the CLI: 128 + the signal; Compose: 130), and leaves nothing
/// half-written: no partial blob in the ingest area, no unpack or staging directory, no image record,
/// no step container (process, record, cgroup, mount). Each test catches the command mid-work — a RUN
/// step sleeping, a blob arriving slowly, an archive whose writer stalls — before it signals it.
/// Before this, skiff kept SIGINT and SIGTERM blocked during such work and only SIGKILL ended it.
@Suite("Cancellation by SIGINT and SIGTERM", .serialized)
struct CancellationTests {
    /// How long a cancelled command may take to end.
    static let promptly = 10.0

    @Test(arguments: [SIGINT, SIGTERM])
    func buildStopsAndRemovesTheStepContainer(signal: Int32) throws {
        let root = try CLIRoot(prefix: "skiff-cx-build-")
        defer { root.cleanUp() }
        let nap = Self.uniqueNap()
        let context = try Self.buildContext(
            in: root.path, dockerfile: "FROM busybox\nRUN echo first > /f\nRUN sleep \(nap)\n")
        let build = root.launch(["build", "-t", "cx-build:1", context], stderr: FileHandle.nullDevice)
        let steps = try Self.waitForStep(root: root, nap: nap, process: build)

        kill(build.processIdentifier, signal)
        let status = try Self.exitStatus(of: build)
        #expect(status == 128 + signal, "skiff build ended with \(status) after signal \(signal)")
        Self.expectNoStepLeft(root: root, nap: nap, stepIDs: steps)
        #expect((try? root.engine.images.resolve("cx-build:1")) == nil, "a cancelled build tagged its image")
        Self.expectNoTemporaryState(root.path)
    }

    @Test func pullStopsMidBlobAndKeepsNoPartOfIt() throws {
        let root = try CLIRoot(prefix: "skiff-cx-pull-")
        defer { root.cleanUp() }
        let registry = try SlowRegistry(scratch: root.path)
        defer { registry.stop() }
        let pull = root.launch(["pull", "\(registry.host)/slow/app:1"], stderr: FileHandle.nullDevice)
        // Mid-work: part of the layer is in the ingest area.
        let ingest = root.path + "/blobs/ingest"
        let midway = root.eventually(30) {
            Self.entries(ingest).contains { $0.hasPrefix("blob-") && Self.size(ingest + "/" + $0) >= 64 << 10 }
        }
        guard midway else {
            kill(pull.processIdentifier, SIGKILL)
            pull.waitUntilExit()
            Issue.record("the pull never got part of the layer: \(Self.entries(ingest))")
            return
        }
        kill(pull.processIdentifier, SIGINT)
        let status = try Self.exitStatus(of: pull)
        #expect(status == 130, "skiff pull ended with \(status) after SIGINT")
        #expect(Self.entries(ingest).isEmpty, "partial blobs left: \(Self.entries(ingest))")
        #expect(
            !FileManager.default.fileExists(atPath: root.path + "/blobs/sha256/" + registry.layerDigestHex),
            "the unfinished layer is in the store")
        #expect(
            (try? root.engine.images.resolve("\(registry.host)/slow/app:1")) == nil, "a cancelled pull tagged its image"
        )
        Self.expectNoTemporaryState(root.path)
    }

    @Test func loadFromAStalledPipeStopsAndRemovesItsStaging() throws {
        let root = try CLIRoot(prefix: "skiff-cx-load-")
        defer { root.cleanUp() }
        let before = Set(root.engine.images.content.all())
        let archive = try Self.bigTar(in: root.path)
        let (load, feeder) = try Self.launchFeeding(root: root, ["load"], bytes: archive, upTo: 6 << 20)
        defer { try? feeder.close() }
        let ingest = root.path + "/blobs/ingest"
        let midway = root.eventually(30) {
            Self.entries(ingest).contains { name in
                name.hasPrefix("load-") && Self.size(ingest + "/" + name + "/1") >= 1 << 20
            }
        }
        guard midway else {
            kill(load.processIdentifier, SIGKILL)
            load.waitUntilExit()
            Issue.record("the load never staged part of the archive: \(Self.entries(ingest))")
            return
        }
        kill(load.processIdentifier, SIGINT)
        let status = try Self.exitStatus(of: load)
        #expect(status == 130, "skiff load ended with \(status) after SIGINT")
        #expect(Self.entries(ingest).isEmpty, "staging left: \(Self.entries(ingest))")
        #expect(Set(root.engine.images.content.all()) == before, "a cancelled load stored blobs")
        Self.expectNoTemporaryState(root.path)
    }

    @Test func importFromAStalledPipeStopsAndKeepsNoBlob() throws {
        let root = try CLIRoot(prefix: "skiff-cx-import-")
        defer { root.cleanUp() }
        let before = Set(root.engine.images.content.all())
        let archive = try Self.bigTar(in: root.path)
        let (importer, feeder) = try Self.launchFeeding(
            root: root, ["import", "-", "cx-imported:1"], bytes: archive, upTo: 6 << 20)
        defer { try? feeder.close() }
        let ingest = root.path + "/blobs/ingest"
        let midway = root.eventually(30) {
            Self.entries(ingest).contains { $0.hasPrefix("blob-") && Self.size(ingest + "/" + $0) >= 1 << 20 }
        }
        guard midway else {
            kill(importer.processIdentifier, SIGKILL)
            importer.waitUntilExit()
            Issue.record("the import never wrote part of its layer: \(Self.entries(ingest))")
            return
        }
        kill(importer.processIdentifier, SIGTERM)
        let status = try Self.exitStatus(of: importer)
        #expect(status == 143, "skiff import ended with \(status) after SIGTERM")
        #expect(Self.entries(ingest).isEmpty, "partial blobs left: \(Self.entries(ingest))")
        #expect(Set(root.engine.images.content.all()) == before, "a cancelled import stored blobs")
        #expect((try? root.engine.images.resolve("cx-imported:1")) == nil, "a cancelled import tagged its image")
        Self.expectNoTemporaryState(root.path)
    }

    /// Compose exits 130 for SIGTERM as for SIGINT (Docker Compose does).
    @Test(arguments: [["build"], ["up"], ["up", "-d"]])
    func composeStopsWhileItBuilds(command: [String]) throws {
        let root = try CLIRoot(prefix: "skiff-cx-compose-")
        defer { root.cleanUp() }
        let nap = Self.uniqueNap()
        let context = try Self.buildContext(
            in: root.path, dockerfile: "FROM busybox\nRUN sleep \(nap)\nCMD [\"sleep\", \"60\"]\n")
        let file = root.path + "/compose.yaml"
        try "name: cxproj\nservices:\n  app:\n    build: \(context)\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let compose = root.launch(["compose", "-f", file] + command, stderr: FileHandle.nullDevice)
        let steps = try Self.waitForStep(root: root, nap: nap, process: compose)

        kill(compose.processIdentifier, SIGTERM)
        let status = try Self.exitStatus(of: compose)
        #expect(status == 130, "skiff compose \(command) ended with \(status) after SIGTERM")
        Self.expectNoStepLeft(root: root, nap: nap, stepIDs: steps)
        #expect(root.engine.listContainers().isEmpty, "containers made: \(root.engine.listContainers().map(\.name))")
        Self.expectNoTemporaryState(root.path)
    }

    // MARK: helpers

    /// A sleep no other test runs, to find the step's process by its command line.
    static func uniqueNap() -> Int { Int.random(in: 100_000...999_999) }

    static func buildContext(in root: String, dockerfile: String) throws -> String {
        let dir = root + "/ctx-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try dockerfile.write(toFile: dir + "/Dockerfile", atomically: true, encoding: .utf8)
        return dir
    }

    /// Wait until the RUN step's `sleep NAP` runs; the step containers' IDs then.
    static func waitForStep(root: CLIRoot, nap: Int, process: Process) throws -> [String] {
        let running = root.eventually(60) { !sleepers(nap).isEmpty || !process.isRunning }
        guard running, process.isRunning else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            throw CancellationTestFailure("the RUN step never ran (exit \(process.terminationStatus))")
        }
        return root.engine.containers.all().map(\.id)
    }

    /// The processes running `sleep NAP`.
    static func sleepers(_ nap: Int) -> [String] {
        HostLeftovers.processesMentioning("sleep \(nap)").filter { $0.hasSuffix("sleep \(nap) ") }
    }

    /// The command's exit status (128 + N when a signal ended it), failing when it is still running
    /// `promptly` seconds on (then it is killed).
    static func exitStatus(of process: Process) throws -> Int32 {
        let deadline = Date().addingTimeInterval(promptly)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw CancellationTestFailure("still running \(promptly) s after the signal")
        }
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    static func expectNoStepLeft(root: CLIRoot, nap: Int, stepIDs: [String]) {
        _ = root.eventually(5) { sleepers(nap).isEmpty }
        #expect(sleepers(nap).isEmpty, "the step's process is still running: \(sleepers(nap))")
        #expect(!stepIDs.isEmpty)
        #expect(root.engine.containers.all().isEmpty, "step containers left: \(root.engine.containers.all().map(\.id))")
        for id in stepIDs {
            #expect(HostLeftovers.cgroupDirectories(id).isEmpty, "cgroups of step \(id) left")
            #expect(
                !FileManager.default.fileExists(atPath: root.engine.containers.directory(of: id)),
                "step \(id)'s directory left")
        }
    }

    /// No temporary blob, unpack, staging or build-cache scratch entry anywhere in the state root.
    static func expectNoTemporaryState(_ root: String) {
        let ingest = entries(root + "/blobs/ingest")
        #expect(ingest.isEmpty, "ingest: \(ingest)")
        let layers = entries(root + "/layers").filter { $0.hasPrefix(".") }
        #expect(layers.isEmpty, "unpack directories: \(layers)")
        let scratch = entries(root + "/build-cache").filter { $0.hasPrefix(".") }
        #expect(scratch.isEmpty, "build scratch: \(scratch)")
    }

    static func entries(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter {
            !$0.hasPrefix(".out-") && !$0.hasPrefix(".err-")
        }
    }

    static func size(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : -1
    }

    /// A 16 MiB tar (one incompressible file), as an image archive begins: `blobs/sha256/<hex>`.
    static func bigTar(in root: String) throws -> [UInt8] {
        let dir = root + "/tar-src"
        try FileManager.default.createDirectory(atPath: dir + "/blobs/sha256", withIntermediateDirectories: true)
        var bytes = [UInt8](repeating: 0, count: 16 << 20)
        for i in stride(from: 0, to: bytes.count, by: 8) {
            var x = UInt64.random(in: 0...UInt64.max)
            withUnsafeBytes(of: &x) { for j in 0..<8 { bytes[i + j] = $0[j] } }
        }
        let name = String(repeating: "ab", count: 32)
        _ = FileManager.default.createFile(atPath: dir + "/blobs/sha256/" + name, contents: Data(bytes))
        let tar = root + "/big.tar"
        let r = SpawnedCLI.run(["/usr/bin/tar", "-C", dir, "-cf", tar, "blobs"], scratch: root)
        guard r.status == 0 else { throw CancellationTestFailure("tar: \(r.err)") }
        FileIO.removeTree(dir)
        defer { unlink(tar) }
        return Array(try Data(contentsOf: URL(fileURLWithPath: tar)))
    }

    /// Start skiff with its stdin a pipe fed the first `upTo` bytes, then left open (a stalled writer).
    static func launchFeeding(root: CLIRoot, _ args: [String], bytes: [UInt8], upTo: Int) throws -> (
        Process, FileHandle
    ) {
        // The feeder writes on after skiff is gone: EPIPE, not the test process killed.
        signal(SIGPIPE, SIG_IGN)
        let pipe = Pipe()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: root.executable)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = root.path
        p.environment = env
        p.standardInput = pipe
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let writer = pipe.fileHandleForWriting
        let chunk = Data(bytes.prefix(upTo))
        Thread.detachNewThread { try? writer.write(contentsOf: chunk) }
        return (p, writer)
    }
}

/// A registry on loopback (a Python script) whose layer blob arrives slowly and never ends: a pull of
/// its one image is always mid-download until it is cancelled. The script exits by itself after 120 s.
final class SlowRegistry {
    let process: pid_t
    let host: String
    let dir: String
    let layerDigestHex = String(repeating: "5a", count: 32)

    init(scratch: String) throws {
        dir = scratch + "/slow-registry"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.script.write(toFile: dir + "/serve.py", atomically: true, encoding: .utf8)
        process = try SpawnedCLI.start(["/usr/bin/python3", dir + "/serve.py", dir, layerDigestHex])
        let portFile = dir + "/port"
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, (try? String(contentsOfFile: portFile, encoding: .utf8))?.hasSuffix("\n") != true {
            usleep(50_000)
        }
        guard
            let port = (try? String(contentsOfFile: portFile, encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines), !port.isEmpty
        else {
            SpawnedCLI.stop(process)
            throw CancellationTestFailure("the slow registry did not start")
        }
        host = "127.0.0.1:" + port
    }

    func stop() { SpawnedCLI.stop(process) }

    static let script = #"""
        import hashlib, http.server, json, os, socketserver, sys, threading, time

        root, layer_hex = sys.argv[1], sys.argv[2]
        config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                             "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer_hex]}}).encode()
        config_hex = hashlib.sha256(config).hexdigest()
        layer_size = 64 << 20
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + config_hex, "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + layer_hex, "size": layer_size}]}).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass
            def reply(self, status, body, ctype="application/json", extra=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items(): self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD": self.wfile.write(body)
            def do_HEAD(self): self.do_GET()
            def do_GET(self):
                p = self.path.split("?")[0]
                if p in ("/v2/", "/v2"):
                    return self.reply(200, b"{}")
                if p.endswith("/manifests/1") or p.endswith("/manifests/sha256:" + hashlib.sha256(manifest).hexdigest()):
                    return self.reply(200, manifest, "application/vnd.oci.image.manifest.v1+json",
                                      {"Docker-Content-Digest": "sha256:" + hashlib.sha256(manifest).hexdigest()})
                if p.endswith("/blobs/sha256:" + config_hex):
                    return self.reply(200, config, "application/octet-stream")
                if p.endswith("/blobs/sha256:" + layer_hex):
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(layer_size))
                    self.end_headers()
                    chunk = os.urandom(64 << 10)
                    try:
                        for _ in range(600):
                            self.wfile.write(chunk)
                            self.wfile.flush()
                            time.sleep(0.2)
                    except OSError:
                        pass
                    return
                self.reply(404, b'{"errors":[{"code":"NOT_FOUND"}]}')

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        server = Server(("127.0.0.1", 0), Handler)
        with open(os.path.join(root, "port.tmp"), "w") as f: f.write("%d\n" % server.server_address[1])
        os.rename(os.path.join(root, "port.tmp"), os.path.join(root, "port"))
        threading.Timer(120, server.shutdown).start()
        server.serve_forever()
        """#
}

struct CancellationTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
