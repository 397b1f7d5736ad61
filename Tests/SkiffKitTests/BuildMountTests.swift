import Foundation
import SkiffImage
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Testing

extension BuildFixture {
    /// A build with secrets, ssh agents and a caller environment.
    func build(
        _ dockerfile: String, secrets: [String: BuildSecretSource] = [:], ssh: [BuildSSHSource] = [],
        environment: [String: String] = [:], noCache: Bool = false
    ) throws -> Outcome {
        try write("Dockerfile", dockerfile)
        var options = BuildOptions(contextDirectory: context)
        options.tags = ["app:latest"]
        options.noCache = noCache
        options.secrets = secrets
        options.ssh = ssh
        options.callerEnvironment = environment
        return try build(options: options)
    }
}

func sha(_ text: String) -> String { Digest.of(Array(text.utf8)).hex }

/// Files under `directory` whose bytes (gunzipped when they are gzip) contain `needle`.
func filesContaining(_ needle: String, under directory: String) throws -> [String] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = [
        "-c",
        #"find "$1" -type f | while read -r f; do if gzip -t "$f" 2>/dev/null; then gzip -dc "$f"; else cat "$f"; fi | grep -qaF -- "$2" && echo "$f"; done; true"#,
        "sh", directory, needle,
    ]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}

@Suite("skiff build: RUN --mount", .serialized, .enabled(if: getuid() == 0 && TestImage.fixtureExists))
struct BuildMountTests {
    /// A cache mount keeps what a RUN left in it for the next build (and never puts it in a layer);
    /// `BuildCache.prune` (builder prune) empties it.
    @Test func cacheMountPersistsAndPruneClearsIt() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        let dockerfile = """
            FROM busybox
            RUN --mount=type=cache,target=/root/.cache/pip \\
                if [ -f /root/.cache/pip/wheel ]; then echo "reused $(cat /root/.cache/pip/wheel)"; else echo downloaded > /root/.cache/pip/wheel; echo fetched; fi

            """
        let first = try f.build(dockerfile)
        #expect(first.runOutput.contains("fetched"))
        // The cache directory and the stub made for the mount are not in the image.
        let fs = try f.engine.layersFilesystem(of: f.image("app:latest"))
        #expect(fs.lookup("/root/.cache") == .missing)
        // The cache key does not see the cache's content: the same build is a cache hit...
        #expect(try f.build(dockerfile).result.cachedSteps == 1)
        // ... and when the step runs again it finds what the first run left.
        let second = try f.build(dockerfile, noCache: true)
        #expect(second.runOutput.contains("reused downloaded"))
        let pruned = BuildCache(engine: f.engine).prune()
        #expect(pruned.cacheMounts == 1)
        #expect(pruned.entries >= 1)
        #expect(try f.build(dockerfile).runOutput.contains("fetched"))
    }

    /// `sharing=private` gives a RUN a cache instance nobody else holds; ids separate caches; `from`
    /// seeds a new cache from a stage.
    @Test func cacheIdsAndSeeds() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        let out = try f.build(
            """
            FROM busybox AS seed
            RUN mkdir -p /wheels && echo seeded > /wheels/w1
            FROM busybox
            RUN --mount=type=cache,target=/a,id=one echo one > /a/mark
            RUN --mount=type=cache,target=/b,id=one --mount=type=cache,target=/c,id=two,from=seed,source=/wheels,mode=0700 \\
                echo "b=$(cat /b/mark) c=$(cat /c/w1) mode=$(stat -c %a /c)"

            """
        ).runOutput
        #expect(out.contains("b=one c=seeded mode=700"))
    }

    /// A cache id is a name, never a path: an id that climbs out (`../…`, absolute) gets a directory
    /// under the state root's cache like any other, and its use count is kept beside it there. Nothing
    /// is made where the id points.
    @Test func aCacheIdThatClimbsOutStaysInTheCacheRoot() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        let target = f.root.path + "/escaped-" + UUID().uuidString
        let ids = ["../../../../../.." + target, target]
        for id in ids {
            let out = try f.build(
                """
                FROM busybox
                RUN --mount=type=cache,target=/c,id=\(id) echo used > /c/mark && cat /c/mark

                """
            ).runOutput
            #expect(out.contains("used"))
        }
        #expect(!FileIO.exists(target) && !FileIO.exists(target + ".uses"), "a cache id wrote outside the cache root")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: f.root.path + "/build-mounts/cache")) ?? []
        #expect(names.filter { !$0.hasSuffix(".uses") && !$0.hasSuffix(".lock") }.count == ids.count, "\(names)")
        #expect(names.allSatisfy { !$0.contains("escaped") && !$0.contains("..") }, "\(names)")
    }

    /// A secret is readable by its RUN only, from a tmpfs, and its bytes are nowhere in the state root
    /// afterwards: not in a layer, the image config, the history, the build cache or the output.
    @Test func secretsLeaveNoTrace() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        let secretDir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-test-secret-")
        defer { FileIO.removeTree(secretDir) }
        let token = "tok-\(UUID().uuidString)"
        let envToken = "env-\(UUID().uuidString)"
        try token.write(toFile: secretDir + "/token", atomically: false, encoding: .utf8)
        let out = try f.build(
            """
            FROM busybox
            ARG VERSION=1
            RUN --mount=type=secret,id=token \\
                test "$(sha256sum < /run/secrets/token | cut -d' ' -f1)" = "\(sha(token))" && stat -c '%a %u' /run/secrets/token \\
                && grep -q ' /run/secrets/token ' /proc/mounts && awk '$2 == "/run/secrets/token" { print "fs=" $3 }' /proc/mounts \\
                && echo x > /kept
            RUN --mount=type=secret,id=api,env=API_TOKEN,target=/etc/api,mode=0440,uid=5 \\
                test "$(printf %s "$API_TOKEN" | sha256sum | cut -d' ' -f1)" = "\(sha(envToken))" \\
                && test "$(cat /etc/api)" = "$API_TOKEN" && stat -c 'api %a %u' /etc/api
            RUN --mount=type=secret,id=absent echo "no mount: $(ls /run/secrets 2>&1)"
            RUN ls /run/secrets 2>&1 || echo "gone after"

            """, secrets: ["token": .file(secretDir + "/token"), "api": .environment("API_TOKEN")],
            environment: ["API_TOKEN": envToken])
        #expect(out.runOutput.contains("400 0"))
        #expect(out.runOutput.contains("fs=tmpfs"))
        #expect(out.runOutput.contains("api 440 5"))
        #expect(out.runOutput.contains("gone after"))
        let image = try f.image("app:latest")
        let history = (image.config.history ?? []).compactMap(\.createdBy).joined(separator: "\n")
        #expect(history.contains("RUN |1 VERSION=1 /bin/sh -c test \"$(sha256sum < /run/secrets/token"))
        #expect(!history.contains("--mount"))
        #expect(
            ((try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? []).filter {
                $0.hasPrefix("skiff-run-")
            }.isEmpty)
        // The search does find what is there (the build arg is in the image config).
        #expect(!(try filesContaining("VERSION=1", under: f.root.path)).isEmpty)
        for secret in [token, envToken] {
            #expect(try filesContaining(secret, under: f.root.path).isEmpty)
            #expect(!out.lines.joined().contains(secret))
        }
        // No stub of the mounts in the layers.
        let fs = try f.engine.layersFilesystem(of: image)
        #expect(fs.lookup("/run/secrets") == .missing)
        #expect(fs.lookup("/etc/api") == .missing)
        #expect(fs.lookup("/kept") != .missing)
        // A changed secret is not a changed step (BuildKit keys on the mount, not the bytes).
        try "other".write(toFile: secretDir + "/token", atomically: false, encoding: .utf8)
        let again = try f.build(
            """
            FROM busybox
            RUN --mount=type=secret,id=token cat /run/secrets/token

            """, secrets: ["token": .file(secretDir + "/token")])
        #expect(again.runOutput.contains("other"))
    }

    @Test func missingRequiredSecretNamesIt() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        #expect(
            throws: BuildError.usage(
                "Dockerfile:2: RUN: secret db_password: not provided (give it with --secret id=db_password,src=FILE or id=db_password,env=VAR; compose: build.secrets)"
            )
        ) {
            try f.build("FROM busybox\nRUN --mount=type=secret,id=db_password,required true\n")
        }
        #expect(
            throws: BuildError.usage(
                "Dockerfile:2: RUN: no SSH key \"default\" forwarded (give it with --ssh default[=SOCKET|KEY]; compose: build.ssh)"
            )
        ) {
            try f.build("FROM busybox\nRUN --mount=type=ssh,required=true true\n")
        }
    }

    /// Bind mounts show the context (or a stage) read-only by default; with rw the writes are thrown
    /// away. A source that climbs out of the context, or a symlink to the host, stays in the context.
    @Test func bindMountsStayInTheirTree() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        try f.write("data/config.txt", "from-context")
        symlink("/etc", f.context + "/hostetc")
        let out = try f.build(
            """
            FROM busybox AS tools
            RUN mkdir /tools && echo tool > /tools/t
            FROM busybox
            RUN --mount=type=bind,source=data,target=/data --mount=type=bind,from=tools,source=/tools,target=/opt/tools \\
                cat /data/config.txt /opt/tools/t > /combined && (touch /data/x 2>/dev/null && echo writable || echo read-only)
            RUN --mount=type=bind,source=data,target=/data,rw echo scribble > /data/config.txt && cat /data/config.txt
            RUN --mount=type=bind,target=/ctx ls /ctx/data && cat /combined

            """
        ).runOutput
        #expect(out.contains("read-only"))
        #expect(out.contains("scribble"))
        #expect(out.contains("from-contexttool"))
        #expect(try String(contentsOfFile: f.context + "/data/config.txt", encoding: .utf8) == "from-context")
        let fs = try f.engine.layersFilesystem(of: f.image("app:latest"))
        #expect(fs.lookup("/data") == .missing)
        #expect(fs.lookup("/opt/tools") == .missing)

        // `..` stops at the context's root; a symlink out of it is followed inside it.
        for source in ["../../etc", "hostetc", "hostetc/passwd", "/../../../etc/passwd"] {
            #expect(
                throws: BuildError.dockerfile(
                    file: "Dockerfile", line: 2,
                    message:
                        "--mount=type=bind,source=\(source),target=/x: source \(source) not found in the build context")
            ) {
                try f.build("FROM busybox\nRUN --mount=type=bind,source=\(source),target=/x cat /x\n")
            }
        }
    }

    /// tmpfs mounts and RUN --network=none.
    @Test func tmpfsAndNetworkNone() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        let out = try f.build(
            """
            FROM busybox
            RUN --mount=type=tmpfs,target=/scratch,size=1m awk '$2 == "/scratch" { print "scratch=" $3 }' /proc/mounts && echo hi > /scratch/f
            RUN --network=none echo "links=$(ls /sys/class/net | tr '\\n' ' ')"

            """
        ).runOutput
        #expect(out.contains("scratch=tmpfs"))
        #expect(out.contains("links=lo "))
        let fs = try f.engine.layersFilesystem(of: f.image("app:latest"))
        #expect(fs.lookup("/scratch") == .missing)
    }

    /// The awesome-compose flask shape builds unchanged: a pip cache mount on `pip3 install -r`
    /// (pip3 here is a script that downloads into its cache only what is not there yet).
    @Test func awesomeComposePipShape() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        try f.write("requirements.txt", "flask\nredis\n")
        try f.write(
            "pip3",
            """
            #!/bin/sh
            # pip3 install -r FILE: "download" each requirement into the cache unless it is there.
            mkdir -p /root/.cache/pip /usr/lib/site
            for r in $(cat "$3"); do
                if [ -f /root/.cache/pip/$r.whl ]; then echo "Using cached $r.whl"; else echo "Downloading $r"; echo "$r wheel" > /root/.cache/pip/$r.whl; fi
                cp /root/.cache/pip/$r.whl /usr/lib/site/
            done

            """, mode: 0o755)
        let dockerfile = """
            FROM busybox
            WORKDIR /app
            COPY pip3 /usr/local/bin/pip3
            COPY requirements.txt /app
            RUN --mount=type=cache,target=/root/.cache/pip \\
                pip3 install -r requirements.txt
            COPY . .

            """
        let first = try f.build(dockerfile)
        #expect(first.runOutput.contains("Downloading flask"))
        let second = try f.build(dockerfile, noCache: true)
        #expect(second.runOutput.contains("Using cached flask.whl"))
        #expect(second.runOutput.contains("Using cached redis.whl"))
        let fs = try f.engine.layersFilesystem(of: f.image("app:latest"))
        #expect(fs.lookup("/usr/lib/site/flask.whl") != .missing)
        #expect(fs.lookup("/root/.cache") == .missing)
    }
}

extension Engine {
    func layersFilesystem(of image: StoredImage) throws -> ImageFilesystem {
        let chains = try layers.prepare(manifest: image.manifest, config: image.config)
        return ImageFilesystem(layersTopFirst: chains.reversed().map { layers.diffPath(chainID: $0) })
    }
}

/// The BuildKit COPY/ADD flags: --exclude, --parents and ADD --checksum.
@Suite(
    "skiff build: COPY --exclude and --parents, ADD --checksum", .serialized,
    .enabled(if: getuid() == 0 && TestImage.fixtureExists))
struct BuildCopyFlagTests {
    @Test func excludeLeavesPathsOut() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        try f.write("src/main.c", "int main;")
        try f.write("src/README.md", "doc")
        try f.write("src/lib/util.c", "util")
        try f.write("src/lib/NOTES.md", "notes")
        try f.write("a.txt", "a")
        try f.write("b.txt", "b")
        _ = try f.build(
            """
            FROM busybox
            COPY --exclude=*.md src /app/
            COPY --exclude=**/*.md --exclude=lib/util.c src /all/
            COPY --exclude=b.txt *.txt /texts/

            """)
        let fs = try f.engine.layersFilesystem(of: f.image("app:latest"))
        #expect(fs.lookup("/app/main.c") != .missing)
        #expect(fs.lookup("/app/README.md") == .missing)
        #expect(fs.lookup("/app/lib/NOTES.md") != .missing)  // *.md is the top level only, as in .dockerignore
        #expect(fs.lookup("/all/lib/NOTES.md") == .missing)
        #expect(fs.lookup("/all/lib/util.c") == .missing)
        #expect(fs.lookup("/all/main.c") != .missing)
        #expect(fs.lookup("/texts/a.txt") != .missing)
        #expect(fs.lookup("/texts/b.txt") == .missing)
        // The excluded files are not in the cache key: changing one is still a cache hit.
        try f.write("src/README.md", "changed")
        let again = try f.build()
        #expect(again.result.steps[1].cached)
    }

    @Test func parentsKeepsTheSourceDirectories() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        try f.write("x/a.txt", "a")
        try f.write("y/z/b.txt", "b")
        try f.write("y/z/c.md", "c")
        try f.write("top.txt", "t")
        try f.write("pkgs/one/package.json", "1")
        try f.write("pkgs/two/package.json", "2")
        _ = try f.build(
            """
            FROM busybox
            COPY --parents x/a.txt y/z/b.txt top.txt /p/
            COPY --parents y /d/
            COPY --parents pkgs/*/package.json /app/
            COPY x/a.txt y/z/b.txt /flat/
            COPY --parents ./y/./z/b.txt ./pkgs/./*/package.json /pivot/

            """)
        let fs = try f.engine.layersFilesystem(of: f.image("app:latest"))
        for path in [
            "/p/x/a.txt", "/p/y/z/b.txt", "/p/top.txt", "/d/y/z/c.md", "/app/pkgs/one/package.json",
            "/app/pkgs/two/package.json", "/flat/a.txt", "/flat/b.txt", "/pivot/z/b.txt", "/pivot/one/package.json",
            "/pivot/two/package.json",
        ] {
            #expect(fs.lookup(path) != .missing, "\(path)")
        }
        #expect(fs.lookup("/p/a.txt") == .missing)
        #expect(fs.lookup("/pivot/y") == .missing)
        #expect(fs.lookup("/pivot/pkgs") == .missing)
    }

    @Test func checksumIsVerified() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        // A loopback HTTP server: busybox httpd from the fixture, serving one file.
        let www = f.root.path + "/www"
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
        try "payload\n".write(toFile: www + "/dep.txt", atomically: false, encoding: .utf8)
        let port = Int(FreePort.next())
        let httpd = try SpawnedCLI.start([
            TestImage.busyboxRootfs + "/bin/busybox", "httpd", "-f", "-p", "127.0.0.1:\(port)", "-h", www,
        ])
        defer { SpawnedCLI.stop(httpd) }
        usleep(300_000)
        let good = sha("payload\n")
        _ = try f.build("FROM busybox\nADD --checksum=sha256:\(good) http://127.0.0.1:\(port)/dep.txt /dep.txt\n")
        let bad = String(repeating: "0", count: 64)
        #expect(
            throws: BuildError.dockerfile(
                file: "Dockerfile", line: 2,
                message:
                    "ADD failed: digest mismatch for http://127.0.0.1:\(port)/dep.txt: expected sha256:\(bad), got sha256:\(good)"
            )
        ) {
            try f.build("FROM busybox\nADD --checksum=sha256:\(bad) http://127.0.0.1:\(port)/dep.txt /dep.txt\n")
        }
        #expect(
            throws: BuildError.dockerfile(
                file: "Dockerfile", line: 2, message: "ADD --checksum can only be used with HTTP(S) sources")
        ) {
            try f.build("FROM busybox\nADD --checksum=sha256:\(good) local.txt /x\n")
        }
    }
}
