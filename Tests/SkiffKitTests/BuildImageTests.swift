import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
import SkiffRuntime
import SkiffSystem
import Testing

/// A state root with the busybox image and a context directory of its own, removed afterwards.
final class BuildFixture {
    let root: TestRoot
    let context: String
    var engine: Engine { root.engine }

    init() throws {
        root = try TestRoot()
        context = root.path + "/context"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try TestImage.make(
            "busybox", layers: [TestImage.busyboxRootfs], config: TestImage.busyboxConfig(),
            store: root.engine.images, scratch: root.path)
    }

    func write(_ path: String, _ text: String, mode: Int = 0o644) throws {
        let full = context + "/" + path
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
        chmod(full, mode_t(mode))
    }

    struct Outcome {
        var result: BuildResult
        var lines: [String]
        var runOutput: String
    }

    final class Lines: @unchecked Sendable { var all: [String] = [] }

    func build(
        _ dockerfile: String? = nil, tags: [String] = ["app:latest"], noCache: Bool = false,
        args: [String: String?] = [:],
        target: String? = nil
    ) throws -> Outcome {
        if let dockerfile { try write("Dockerfile", dockerfile) }
        var options = BuildOptions(contextDirectory: context)
        options.tags = tags
        options.noCache = noCache
        options.buildArgs = args
        options.target = target
        return try build(options: options)
    }

    /// Build with `options`, its RUN output captured in a file of the fixture's root.
    func build(options: BuildOptions) throws -> Outcome {
        var options = options
        let outPath = root.path + "/run-output-\(UUID().uuidString)"
        let fd = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { close(fd); unlink(outPath) }
        options.runOutput = fd
        let lines = Lines()
        let builder = Builder(engine: engine, options: options) { lines.all.append($0) }
        let result: BuildResult
        do { result = try builder.build() } catch {
            // The failing step's output is the first thing to read (printed: some tests expect the failure).
            let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            FileHandle.standardError.write(Data("build failed (\(error)); RUN output:\n\(output)".utf8))
            throw error
        }
        return Outcome(
            result: result, lines: lines.all, runOutput: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "")
    }

    /// Run a command in a container of `image`; returns (exit status, stdout+stderr).
    func run(_ image: String, _ command: [String]) throws -> (Int32, String) {
        var options = RunOptions()
        options.command = command
        let container = try engine.createContainer(image: image, options: options)
        defer { try? engine.removeContainer(container.id, force: true) }
        let outPath = root.path + "/out-\(container.id)"
        let fd = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { close(fd); unlink(outPath) }
        let status = try engine.runAttached(container, interactive: false, stdout: fd, stderr: fd, keepsLog: false)
        return (status.shellStatus, (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "")
    }

    func image(_ name: String) throws -> StoredImage { try engine.images.resolve(name) }

    func cleanUp() { root.cleanUp() }
}

@Suite("skiff build", .serialized, .enabled(if: getuid() == 0 && TestImage.fixtureExists))
struct BuildImageTests {
    /// The talk's Dockerfile, with a shell loop in place of pip.
    static let talk = """
        FROM busybox
        ENV PYTHONUNBUFFERED 1
        ENV PYTHONDONTWRITEBYTECODE 1
        RUN mkdir /code
        WORKDIR /code
        COPY requirements.txt /code/
        RUN mkdir -p /site-packages && for r in $(cat requirements.txt); do echo "installed $r" > /site-packages/$r; echo "Installing $r"; done
        COPY . /code/
        EXPOSE 8000
        CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]

        """

    @Test func talkDockerfileAndItsCache() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        try f.write("requirements.txt", "django\npsycopg2\n")
        try f.write("manage.py", "print('hello')\n")
        try f.write("Dockerfile", Self.talk)

        let first = try f.build()
        #expect(first.result.steps.count == 10)
        #expect(first.result.cachedSteps == 0)
        #expect(first.lines.first == "Step 1/10 : FROM busybox")
        #expect(
            first.lines.contains(
                "Step 7/10 : RUN mkdir -p /site-packages && for r in $(cat requirements.txt); do echo \"installed $r\" > /site-packages/$r; echo \"Installing $r\"; done"
            ))
        #expect(first.runOutput.contains("Installing django"))
        #expect(first.lines.last == "Successfully tagged app:latest")
        #expect(first.lines.dropLast().last == "Successfully built \(first.result.imageID.short)")

        let image = try f.image("app:latest")
        let config = try #require(image.config.config)
        #expect(config.Env?.contains("PYTHONUNBUFFERED=1") == true)
        #expect(config.WorkingDir == "/code")
        #expect(config.ExposedPorts == ["8000/tcp": EmptyObject()])
        #expect(config.Cmd == ["python", "manage.py", "runserver", "0.0.0.0:8000"])
        // Docker's history: one entry per step after FROM; metadata-only steps are empty layers.
        let history = Array(try #require(image.config.history).suffix(9))
        #expect(history.map { $0.emptyLayer == true } == [true, true, false, true, false, false, false, true, true])
        #expect(image.manifest.layers.count == 1 + 4)

        // The files are there, as a container sees them.
        let (code, out) = try f.run("app:latest", ["sh", "-c", "cat /site-packages/django; cat /code/manage.py; pwd"])
        #expect(code == 0)
        #expect(out == "installed django\nprint('hello')\n/code\n")

        // Second build: every step from the cache, the same image.
        let second = try f.build()
        #expect(second.result.cachedSteps == 9)
        #expect(second.result.imageID == first.result.imageID)
        #expect(second.lines.filter { $0 == " ---> Using cache" }.count == 9)
        #expect(second.runOutput.isEmpty)

        // Touching only a source file: reused up to COPY . /code/.
        try f.write("manage.py", "print('changed')\n")
        let third = try f.build()
        #expect(third.result.steps.map(\.cached) == [false, true, true, true, true, true, true, false, false, false])
        #expect(third.runOutput.isEmpty)
        // Same content again, new mtime: still a hit (content, not mtime).
        try f.write("manage.py", "print('changed')\n")
        #expect(try f.build().result.cachedSteps == 9)

        // Editing requirements.txt: rebuilt from that COPY on, the install runs again.
        try f.write("requirements.txt", "django\nflask\n")
        let fourth = try f.build()
        #expect(
            fourth.result.steps.map(\.cached) == [false, true, true, true, true, false, false, false, false, false])
        #expect(fourth.runOutput.contains("Installing flask"))

        // --no-cache: everything again.
        let fifth = try f.build(noCache: true)
        #expect(fifth.result.cachedSteps == 0)
        #expect(fifth.runOutput.contains("Installing django"))

        // The GC keeps what the cache points at: a cached rebuild still works after a collection.
        try f.engine.collectGarbage()
        #expect(try f.build().result.cachedSteps == 9)
        #expect(f.engine.containers.all().isEmpty)
    }

    @Test func multiStageWithTargetAndCopyFrom() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        try f.write("src/main.txt", "source\n")
        let dockerfile = """
            ARG GREETING=hello
            FROM busybox AS builder
            ARG GREETING
            COPY src/ /src/
            RUN mkdir /out && echo "$GREETING built from $(cat /src/main.txt)" > /out/artifact
            FROM busybox AS unused
            RUN exit 1
            FROM busybox
            COPY --from=builder /out/artifact /app/artifact
            COPY --from=0 /src /app/src
            CMD ["cat", "/app/artifact"]
            """
        let out = try f.build(dockerfile, args: ["GREETING": "hi"])
        #expect(out.lines.first == "Step 1/8 : FROM busybox AS builder")  // the unused stage is not counted
        #expect(!out.lines.contains { $0.contains("exit 1") })
        let (code, text) = try f.run("app:latest", ["sh", "-c", "cat /app/artifact /app/src/main.txt"])
        #expect(code == 0)
        #expect(text == "hi built from source\nsource\n")
        // --target builds only up to that stage.
        let target = try f.build(tags: ["builder:1"], args: ["GREETING": "hi"], target: "builder")
        #expect(target.result.steps.count == 4)
        #expect(target.result.steps.map(\.cached) == [false, false, true, true])
        let (_, artifact) = try f.run("builder:1", ["cat", "/out/artifact"])
        #expect(artifact == "hi built from source\n")
    }

    @Test func dockerignoreAndCopyForms() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        try f.write(".dockerignore", "*.log\nsecret/\n!secret/public.txt\n")
        try f.write("a.txt", "a\n")
        try f.write("b.txt", "b\n")
        try f.write("debug.log", "log\n")
        try f.write("secret/key", "k\n")
        try f.write("secret/public.txt", "p\n")
        try f.write("tool.sh", "#!/bin/sh\necho tool\n", mode: 0o755)
        try f.write(
            "Dockerfile",
            """
            FROM busybox
            COPY . /ctx/
            COPY *.txt /globbed/
            COPY --chown=nobody --chmod=640 a.txt /owned
            COPY tool.sh /usr/local/bin/
            COPY <<EOF /etc/greeting
            hello $HOSTNAME_UNSET world
            EOF
            """)
        _ = try f.build()
        let script =
            "ls -a /ctx | tr '\\n' ' '; echo; ls /ctx/secret; ls /globbed | tr '\\n' ' '; echo; stat -c '%u:%g %a' /owned; tool.sh; cat /etc/greeting"
        let (code, out) = try f.run("app:latest", ["sh", "-c", script])
        #expect(code == 0, "\(out)")
        #expect(
            out
                == ". .. .dockerignore Dockerfile a.txt b.txt secret tool.sh \npublic.txt\na.txt b.txt \n65534:65534 640\ntool\nhello  world\n"
        )
        // An ignored file is not a source.
        do {
            _ = try f.build("FROM busybox\nCOPY debug.log /x\n")
            Issue.record("copied an ignored file")
        } catch {
            #expect(
                "\(error)"
                    == "Dockerfile:2: COPY failed: file not found in build context or excluded by .dockerignore: stat debug.log: file does not exist"
            )
        }
        do {
            _ = try f.build("FROM busybox\nCOPY a.txt b.txt /dest\n")
            Issue.record("several sources to a file")
        } catch {
            #expect(
                "\(error)"
                    == "Dockerfile:2: When using COPY with more than one source file, the destination must be a directory and end with a /"
            )
        }
    }

    @Test func whiteoutsUserWorkdirEnv() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        _ = try f.build(
            """
            FROM busybox
            RUN echo temp > /tmp/gone && echo keep > /tmp/kept && mkdir -p /data/sub && echo x > /data/sub/f
            RUN rm /tmp/gone /etc/os-release && rm -rf /data/sub
            ENV APP_HOME=/srv/app GREETING="hello world"
            USER nobody
            WORKDIR $APP_HOME
            RUN echo "$(id -u) $(pwd) $GREETING" > /tmp/seen-by-run
            """)
        let image = try f.image("app:latest")
        #expect(image.config.config?.User == "nobody")
        #expect(image.config.config?.WorkingDir == "/srv/app")
        let script =
            "test ! -e /tmp/gone && test ! -e /etc/os-release && test ! -e /data/sub && cat /tmp/kept /tmp/seen-by-run; echo \"$(id -u) $(pwd) $GREETING\"; stat -c %u /srv/app"
        let (code, out) = try f.run("app:latest", ["sh", "-c", script])
        #expect(code == 0, "\(out)")
        #expect(out == "keep\n65534 /srv/app hello world\n65534 /srv/app hello world\n65534\n")
    }

    @Test func failingRunLeavesNothing() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        let imagesBefore = try f.engine.images.references()
        do {
            _ = try f.build(
                "FROM busybox\nRUN echo before\nRUN echo oops >&2; exit 3\nRUN echo never\n", tags: ["broken:1"])
            Issue.record("the build succeeded")
        } catch let error as BuildError {
            #expect(error == .runFailed(command: "/bin/sh -c echo oops >&2; exit 3", code: 3))
            #expect("\(error)" == "The command '/bin/sh -c echo oops >&2; exit 3' returned a non-zero code: 3")
            #expect(error.exitCode == 3)
        }
        #expect(try f.engine.images.references() == imagesBefore)
        #expect(f.engine.containers.all().isEmpty)
        #expect(DirectoryEntries.names(f.engine.containers.root).filter { !$0.hasPrefix(".") }.isEmpty)
        let leftovers = DirectoryEntries.names(f.root.path + "/build-cache").filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test func metadataInstructionsAndOnbuild() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        _ = try f.build(
            """
            FROM busybox
            LABEL org.example.name="demo app" version=1
            ENTRYPOINT ["echo"]
            CMD ["default"]
            VOLUME /data
            STOPSIGNAL SIGTERM
            HEALTHCHECK --interval=5s --retries=2 CMD wget -q localhost || exit 1
            SHELL ["/bin/sh", "-ec"]
            ONBUILD RUN echo triggered > /onbuild
            MAINTAINER someone
            """, tags: ["base:1"])
        let base = try f.image("base:1")
        let c = try #require(base.config.config)
        #expect(c.Labels == ["org.example.name": "demo app", "version": "1"])
        #expect(c.Entrypoint == ["echo"])
        #expect(c.Cmd == ["default"])
        #expect(c.Volumes == ["/data": EmptyObject()])
        #expect(c.StopSignal == "SIGTERM")
        #expect(c.Healthcheck?.Test == ["CMD-SHELL", "wget -q localhost || exit 1"])
        #expect(c.Healthcheck?.Interval == 5_000_000_000)
        #expect(c.Healthcheck?.Retries == 2)
        #expect(c.Shell == ["/bin/sh", "-ec"])
        #expect(c.OnBuild == ["RUN echo triggered > /onbuild"])
        #expect(base.config.author == "someone")
        #expect(base.manifest.layers.count == 1)
        let (_, out) = try f.run("base:1", [])
        #expect(out == "default\n")

        // Used as a base: the trigger runs, and is not inherited.
        let child = try f.build("FROM base:1\nENTRYPOINT [\"cat\"]\n", tags: ["child:1"])
        #expect(child.lines.contains("# Executing 1 build trigger"))
        let childImage = try f.image("child:1")
        #expect(childImage.config.config?.OnBuild == nil)
        // ENTRYPOINT without a CMD in this Dockerfile resets the inherited CMD, as Docker does.
        #expect(childImage.config.config?.Cmd == nil)
        let (_, triggered) = try f.run("child:1", ["/onbuild"])
        #expect(triggered == "triggered\n")
    }

    @Test func addExtractsTarsAndNamesUnreachableUrls() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        try f.write("payload/inner.txt", "inside\n")
        try TestImage.run("/bin/tar", ["-czf", f.context + "/bundle.tar.gz", "-C", f.context + "/payload", "."])
        _ = try f.build("FROM busybox\nADD bundle.tar.gz /opt/bundle/\nADD payload/inner.txt /plain.txt\n")
        let (_, out) = try f.run("app:latest", ["cat", "/opt/bundle/inner.txt", "/plain.txt"])
        #expect(out == "inside\ninside\n")
        do {
            _ = try f.build("FROM busybox\nADD http://127.0.0.1:9/file.txt /x\n")
            Issue.record("downloaded from a closed port")
        } catch {
            #expect("\(error)".hasPrefix("Dockerfile:2: ADD failed: cannot download http://127.0.0.1:9/file.txt"))
        }
    }

    @Test func heredocRunAndBuildArgs() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        let out = try f.build(
            """
            FROM busybox
            ARG VERSION=1.0
            ARG EMPTY
            RUN <<EOF
            echo "version ${VERSION}"
            echo "empty:${EMPTY:-none}"
            EOF
            RUN cat <<EOT > /greeting
            hi $VERSION
            EOT
            """, args: ["VERSION": "2.5", "UNUSED": "x"])
        #expect(out.runOutput == "version 2.5\nempty:none\n")
        #expect(out.lines.contains("[Warning] One or more build-args [UNUSED] were not consumed"))
        let (_, text) = try f.run("app:latest", ["sh", "-c", "cat /greeting; echo \"[$VERSION]\""])
        #expect(text == "hi 2.5\n[]\n")
        // A different ARG value is a different RUN step.
        let again = try f.build(args: ["VERSION": "2.6"])
        #expect(again.result.steps.map(\.cached) == [false, false, false, false, false])
        #expect(try f.build(args: ["VERSION": "2.6"]).result.cachedSteps == 2)
    }
}

enum DirectoryEntries {
    static func names(_ path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }
}
