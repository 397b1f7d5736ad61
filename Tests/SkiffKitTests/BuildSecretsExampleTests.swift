import Foundation
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Testing

private let debianArchive = RepositoryPaths.imageArchive("debian-bookworm")

/// The talk's secrets question, answered by examples/build-secrets: a token-checking HTTP server and
/// an sshd serving a private git repository, both on loopback and both started here (sshd from
/// Debian's openssh-server, its own host key and config in a temporary directory; the client key only
/// in a test ssh-agent). `skiff build --secret/--ssh` and `skiff compose build` (build.secrets,
/// build.ssh) fetch both; neither the token nor the key is then anywhere in `skiff save`'s archive,
/// `history`, `inspect`, the state root (build cache and cache mounts included) or the build output.
@Suite(
    "skiff build: the build-secrets example", .serialized,
    .enabled(
        if: getuid() == 0 && FileManager.default.fileExists(atPath: debianArchive)
            && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd")
            && ProcessInfo.processInfo.environment["SKIFF_SKIP_EXAMPLES"] == nil))
struct BuildSecretsExampleTests {
    static let example = RepositoryPaths.file("examples/build-secrets")

    /// Processes started here, stopped by pid.
    final class Servers {
        let dir: String
        var pids: [pid_t] = []
        var madeRunSshd = false

        init() throws { dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-test-secret-servers-") }

        func run(_ argv: [String], env: [String: String] = [:]) throws -> String {
            let r = SpawnedCLI.run(argv, environment: env, scratch: dir, timeout: 60)
            guard r.status == 0 else {
                throw StaticHelper.Failure("\(argv.joined(separator: " ")) failed: \(r.out)\(r.err)")
            }
            return r.out + r.err
        }

        func start(_ argv: [String]) throws {
            pids.append(try SpawnedCLI.start(argv))
        }

        static func freePort() -> Int { Int(FreePort.next()) }

        static func waitFor(_ condition: () -> Bool) -> Bool { Poll.until(5, interval: 0.025, condition) }

        /// An HTTP server answering GET with the dependency only when `Authorization: Bearer TOKEN` is sent.
        func startHTTP(token: String) throws -> Int {
            try token.write(toFile: dir + "/token", atomically: false, encoding: .utf8)
            try """
            import http.server, sys
            token = open(sys.argv[1]).read()
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    if self.headers.get("Authorization") != "Bearer " + token:
                        self.send_response(401); self.end_headers(); return
                    body = b"private-dep 1.0 (fetched with the token)\\n"
                    self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args): pass
            s = http.server.HTTPServer(("127.0.0.1", 0), H)
            open(sys.argv[2] + ".tmp", "w").write(str(s.server_port))
            import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])
            s.serve_forever()
            """.write(toFile: dir + "/server.py", atomically: false, encoding: .utf8)
            try start(["/usr/bin/python3", dir + "/server.py", dir + "/token", dir + "/port"])
            guard Self.waitFor({ FileManager.default.fileExists(atPath: dir + "/port") }),
                let port = Int((try? String(contentsOfFile: dir + "/port", encoding: .utf8)) ?? "")
            else {
                throw StaticHelper.Failure("the HTTP server did not start")
            }
            return port
        }

        /// sshd on a loopback port serving a bare git repository to the client key, and an ssh-agent
        /// holding that key. Returns (port, repository path, agent socket, a line of the private key).
        func startGit() throws -> (port: Int, repo: String, agent: String, keyLine: String) {
            _ = try run(["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir + "/host_key"])
            _ = try run([
                "/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "skiff-test", "-f", dir + "/client_key",
            ])
            try FileManager.default.copyItem(atPath: dir + "/client_key.pub", toPath: dir + "/authorized_keys")
            let port = Self.freePort()
            try """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(dir)/host_key
            PidFile \(dir)/sshd.pid
            AuthorizedKeysFile \(dir)/authorized_keys
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            """.write(toFile: dir + "/sshd_config", atomically: false, encoding: .utf8)
            if !FileManager.default.fileExists(atPath: "/run/sshd") {
                try FileManager.default.createDirectory(
                    atPath: "/run/sshd", withIntermediateDirectories: false,
                    attributes: [.posixPermissions: 0o755])
                madeRunSshd = true
            }
            try start(["/usr/sbin/sshd", "-D", "-e", "-f", dir + "/sshd_config"])
            let repo = dir + "/private-lib.git"
            _ = try run(["/usr/bin/git", "init", "-q", "--bare", "-b", "main", repo])
            _ = try run(["/usr/bin/git", "init", "-q", "-b", "main", dir + "/work"])
            try "private-lib 2.0 (cloned over ssh)\n".write(
                toFile: dir + "/work/README", atomically: false, encoding: .utf8)
            _ = try run(["/usr/bin/git", "-C", dir + "/work", "add", "README"])
            _ = try run([
                "/usr/bin/git", "-C", dir + "/work", "-c", "user.name=t", "-c", "user.email=t@example", "commit", "-qm",
                "v2",
            ])
            _ = try run(["/usr/bin/git", "-C", dir + "/work", "push", "-q", repo, "main"])
            let agent = dir + "/agent.sock"
            try start(["/usr/bin/ssh-agent", "-D", "-a", agent])
            guard Self.waitFor({ FileManager.default.fileExists(atPath: agent) }) else {
                throw StaticHelper.Failure("ssh-agent did not start")
            }
            _ = try run(["/usr/bin/ssh-add", "-q", dir + "/client_key"], env: ["SSH_AUTH_SOCK": agent])
            let keyLine = try String(contentsOfFile: dir + "/client_key", encoding: .utf8).split(separator: "\n")[2]
            return (port, repo, agent, String(keyLine))
        }

        func stop() {
            for pid in pids { SpawnedCLI.stop(pid) }
            if madeRunSshd { rmdir("/run/sshd") }
            FileIO.removeTree(dir)
        }
    }

    @Test func tokenAndSshKeyLeaveNoTrace() throws {
        let servers = try Servers()
        defer { servers.stop() }
        let token = "deps-token-\(UUID().uuidString)"
        let httpPort = try servers.startHTTP(token: token)
        let git = try servers.startGit()
        let env = [
            "DEPS_TOKEN": token, "SSH_AUTH_SOCK": git.agent,
            "DEPS_URL": "http://127.0.0.1:\(httpPort)/private-dep.txt",
            "GIT_REPO": "ssh://root@127.0.0.1:\(git.port)\(git.repo)",
        ]
        let root = try CLIRoot(prefix: "skiff-secrets-example-test-", environment: env)
        func skiff(_ args: [String], timeout: Double = 60) -> SpawnedCLI.Result {
            SpawnedCLI.skiff(args, root: root.path, environment: env, timeout: timeout)
        }
        defer {
            _ = skiff(["compose", "--file", Self.example + "/compose.yaml", "down"])
            root.cleanUp()
        }
        #expect(skiff(["load", "-i", debianArchive], timeout: 120).status == 0)

        // skiff build with the flags.
        let build = skiff(
            [
                // The test's servers are on the host's loopback: the steps need the host's network.
                "build", "--network", "host", "--secret", "id=deps_token,env=DEPS_TOKEN", "--ssh", "default",
                "--build-arg", "DEPS_URL=" + env["DEPS_URL"]!, "--build-arg", "GIT_REPO=" + env["GIT_REPO"]!,
                "-t", "build-secrets", Self.example,
            ], timeout: 600)
        #expect(build.status == 0, "\(build.out)\(build.err)")
        // apt's downloads are in the cache mount, not in the image.
        let cacheRoot = root.path + "/build-mounts/cache"
        let debs = (FileManager.default.enumerator(atPath: cacheRoot)?.allObjects as? [String] ?? []).filter {
            $0.hasSuffix(".deb")
        }
        #expect(!debs.isEmpty)

        // compose: build.secrets and build.ssh (no cache: the RUN steps run again), then the service
        // reads its own secret.
        let file = Self.example + "/compose.yaml"
        let composeBuild = skiff(["compose", "--file", file, "build", "--no-cache"], timeout: 600)
        #expect(composeBuild.status == 0, "\(composeBuild.out)\(composeBuild.err)")
        let run = skiff(["compose", "--file", file, "run", "--rm", "-T", "app"])
        #expect(run.out.contains("private-dep 1.0 (fetched with the token)"), "\(run.out)\(run.err)")
        #expect(run.out.contains("private-lib 2.0 (cloned over ssh)"))
        #expect(run.out.contains("db password: 22 bytes at /run/secrets/db_password"))

        // Nowhere: history, inspect, the saved archive, the state root, the output.
        let history = skiff(["history", "--no-trunc", "build-secrets"])
        #expect(history.status == 0 && history.out.contains("git clone --depth 1"))
        let inspect = skiff(["inspect", "build-secrets"])
        let archive = servers.dir + "/saved"
        try FileManager.default.createDirectory(atPath: archive, withIntermediateDirectories: true)
        #expect(skiff(["save", "-o", servers.dir + "/image.tar", "build-secrets"]).status == 0)
        _ = try servers.run(["/bin/tar", "-xf", servers.dir + "/image.tar", "-C", archive])
        for secret in [token, git.keyLine] {
            for text in [history.out, inspect.out, build.out, build.err, composeBuild.out, composeBuild.err, run.out] {
                #expect(!text.contains(secret))
            }
            #expect(try filesContaining(secret, under: archive).isEmpty)
            #expect(try filesContaining(secret, under: root.path).isEmpty)
        }

        // builder prune -f takes the cache mounts (and the step cache) away.
        let prune = skiff(["builder", "prune", "-f"])
        #expect(prune.status == 0 && prune.out.contains("cache mounts"), "\(prune.out)\(prune.err)")
        #expect(!FileManager.default.fileExists(atPath: cacheRoot))
    }
}
