import Foundation
import SkiffKit
import Testing

/// The compose file model, pure and fast: real-world shapes (v2 and v3 files, short and long syntax,
/// interpolation, two files merged) and malformed files with the path their error names.
@Suite("Compose file model")
struct ComposeParserTests {
    /// Write files into a fresh directory and load them as `skiff compose` would.
    static func load(
        _ files: [(String, String)], env: [String: String] = [:], dotenv: String? = nil,
        project: String? = nil, dirName: String = "My App"
    ) throws -> ComposeProject {
        let dir = NSTemporaryDirectory() + "compose-test-\(UUID().uuidString)/" + dirName
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        if let dotenv { try dotenv.write(toFile: dir + "/.env", atomically: true, encoding: .utf8) }
        var options = ComposeLoadOptions(workingDirectory: dir, environment: env)
        let composeFiles = files.map(\.0).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        options.files = composeFiles.count > 1 ? composeFiles : []
        options.projectName = project
        var p = try ComposeLoader.load(options)
        // Paths in the model are absolute: make them relative to the test directory for comparison.
        p.workingDirectory = p.workingDirectory.replacingOccurrences(of: dir, with: "$DIR")
        for i in p.services.indices {
            for j in p.services[i].volumes.indices {
                p.services[i].volumes[j].source = p.services[i].volumes[j].source?.replacingOccurrences(
                    of: dir, with: "$DIR")
            }
            if let c = p.services[i].build?.context {
                p.services[i].build?.context = c.replacingOccurrences(of: dir, with: "$DIR")
            }
            p.services[i].envFiles = p.services[i].envFiles.map { $0.replacingOccurrences(of: dir, with: "$DIR") }
        }
        return p
    }

    static func load(_ text: String, env: [String: String] = [:], dotenv: String? = nil) throws -> ComposeProject {
        try load([("compose.yaml", text)], env: env, dotenv: dotenv)
    }

    static func error(_ text: String, env: [String: String] = [:]) -> String {
        do {
            _ = try load([("compose.yaml", text)], env: env)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func talkShapeV3() throws {
        let p = try Self.load(
            """
            version: "3.8"
            services:
              db:
                image: postgres:16
                environment:
                  POSTGRES_USER: app
                  POSTGRES_PASSWORD: secret
                volumes:
                  - dbdata:/var/lib/postgresql/data
                healthcheck:
                  test: ["CMD-SHELL", "pg_isready -U app"]
                  interval: 2s
                  timeout: 5s
                  retries: 10
                  start_period: 30s
                  start_interval: 1s
              web:
                build: .
                command: sh -c "python manage.py migrate && python manage.py runserver 0.0.0.0:8000"
                ports:
                  - "8000:8000"
                depends_on:
                  db:
                    condition: service_healthy
            volumes:
              dbdata:
            """)
        #expect(p.name == "myapp")
        #expect(p.services.map(\.name) == ["db", "web"])
        let db = try #require(p.service("db"))
        #expect(db.image == "postgres:16")
        #expect(
            db.environment == [ComposeEnvVar("POSTGRES_USER", "app"), ComposeEnvVar("POSTGRES_PASSWORD", "secret")])
        #expect(db.volumes == [ComposeMount(type: .volume, source: "dbdata", target: "/var/lib/postgresql/data")])
        #expect(db.healthcheck?.test == ["CMD-SHELL", "pg_isready -U app"])
        #expect(db.healthcheck?.interval == 2_000_000_000)
        #expect(db.healthcheck?.retries == 10)
        #expect(db.healthcheck?.startInterval == 1_000_000_000)
        let web = try #require(p.service("web"))
        #expect(web.build?.context == "$DIR")
        #expect(web.command == ["sh", "-c", "python manage.py migrate && python manage.py runserver 0.0.0.0:8000"])
        #expect(web.ports == [ComposePort(target: 8000, published: 8000)])
        #expect(web.dependsOn == [ComposeDependency(service: "db", condition: .healthy)])
        #expect(web.imageName(project: p.name) == "myapp-web")
        #expect(p.volumes.map(\.realName) == ["myapp_dbdata"])
        #expect(p.warnings.isEmpty)
    }

    @Test func version2File() throws {
        let p = try Self.load(
            """
            version: '2'
            services:
              redis:
                image: redis
                mem_limit: 256m
                cpus: 0.5
                pids_limit: 100
                expose: ["6379"]
                restart: unless-stopped
              app:
                image: app:1
                depends_on: [redis]
                environment:
                  - DEBUG=1
                  - PASSTHROUGH
                entrypoint: /entry.sh --flag
                tty: true
                stdin_open: yes
                init: true
                user: "1000:1000"
                working_dir: /srv
                hostname: apphost
                container_name: the-app
                labels: ["a=b"]
            """)
        let redis = try #require(p.service("redis"))
        #expect(redis.limits.memory == Int64(268_435_456))
        #expect(redis.limits.cpus == 0.5)
        #expect(redis.limits.pids == 100)
        #expect(redis.expose == ["6379"])
        #expect(redis.restart == "unless-stopped")
        let app = try #require(p.service("app"))
        #expect(app.dependsOn == [ComposeDependency(service: "redis")])
        #expect(app.environment == [ComposeEnvVar("DEBUG", "1"), ComposeEnvVar("PASSTHROUGH", nil)])
        #expect(app.entrypoint == ["/entry.sh", "--flag"])
        #expect(app.tty && app.stdinOpen && app.initProcess == true)
        #expect(app.user == "1000:1000" && app.workingDir == "/srv" && app.hostname == "apphost")
        #expect(app.containerName == "the-app")
        #expect(app.labels == ["a": "b"])
        #expect(p.warnings.isEmpty)
    }

    @Test(arguments: [
        ("3000", [ComposePort(target: 3000)]),
        ("3000-3001", [ComposePort(target: 3000), ComposePort(target: 3001)]),
        ("8000:80", [ComposePort(target: 80, published: 8000)]),
        (
            "9090-9091:8080-8081",
            [ComposePort(target: 8080, published: 9090), ComposePort(target: 8081, published: 9091)]
        ),
        ("127.0.0.1:8001:8001", [ComposePort(target: 8001, published: 8001, hostIP: "127.0.0.1")]),
        ("127.0.0.1::5000", [ComposePort(target: 5000, hostIP: "127.0.0.1")]),
        ("6060:6060/udp", [ComposePort(target: 6060, published: 6060, proto: "udp")]),
        ("[::1]:6001:6001", [ComposePort(target: 6001, published: 6001, hostIP: "::1")]),
    ])
    func shortPorts(_ text: String, _ expected: [ComposePort]) throws {
        #expect(try ComposePorts.parseShort(text) == expected)
    }

    @Test func longSyntax() throws {
        let p = try Self.load([
            ("web.env", "A=1\n"),
            (
                "compose.yaml",
                """
                services:
                  web:
                    image: nginx
                    ports:
                      - target: 80
                        published: "8080"
                        host_ip: 127.0.0.1
                        protocol: tcp
                        mode: host
                    volumes:
                      - type: bind
                        source: ./site
                        target: /usr/share/nginx/html
                        read_only: true
                      - type: volume
                        source: cache
                        target: /cache
                        volume:
                          nocopy: true
                      - type: tmpfs
                        target: /tmp
                        tmpfs:
                          size: 64m
                      - ./conf:/etc/nginx/conf.d:ro
                      - /var/log
                    env_file: [web.env]
                    networks:
                      front:
                        aliases: [www]
                    deploy:
                      resources:
                        limits: {memory: 1g, cpus: "1.5", pids: 64}
                volumes:
                  cache:
                    external: true
                networks:
                  front:
                """
            ),
        ])
        let web = try #require(p.service("web"))
        #expect(web.ports == [ComposePort(target: 80, published: 8080, hostIP: "127.0.0.1")])
        var bind = ComposeMount(type: .bind, source: "$DIR/site", target: "/usr/share/nginx/html", readOnly: true)
        bind.createHostPath = false
        var cache = ComposeMount(type: .volume, source: "cache", target: "/cache")
        cache.createHostPath = false
        cache.noCopy = true
        var tmp = ComposeMount(type: .tmpfs, source: nil, target: "/tmp")
        tmp.createHostPath = false
        tmp.tmpfsSize = 64 * 1024 * 1024
        let conf = ComposeMount(type: .bind, source: "$DIR/conf", target: "/etc/nginx/conf.d", readOnly: true)
        let anon = ComposeMount(type: .volume, source: nil, target: "/var/log")
        #expect(web.volumes == [bind, cache, tmp, conf, anon])
        #expect(web.envFiles == ["$DIR/web.env"])
        #expect(web.networks == [ComposeServiceNetwork(name: "front", aliases: ["www"])])
        #expect(web.limits.memory == 1 << 30 && web.limits.cpus == 1.5 && web.limits.pids == 64)
        #expect(p.volume("cache")?.external == true && p.volume("cache")?.realName == "cache")
        #expect(p.network("front")?.realName == "myapp_front")
    }

    @Test func interpolation() throws {
        let env = ["TAG": "1.2", "EMPTY": "", "PORT": "9000"]
        let p = try Self.load(
            """
            services:
              app:
                image: "app:${TAG}"
                command: ["${UNSET:-fallback}", "${EMPTY-kept-empty}", "${EMPTY:-was-empty}", "$$HOME", "$PORT", "${FROM_DOTENV}", "${UNSET:-${TAG}}"]
                environment:
                  A: ${UNSET}
                  B: ${TAG:+set}
            """, env: env, dotenv: "FROM_DOTENV=dot\nTAG=ignored-env-wins\n")
        let app = try #require(p.service("app"))
        #expect(app.image == "app:1.2")
        #expect(app.command == ["fallback", "", "was-empty", "$HOME", "9000", "dot", "1.2"])
        #expect(app.environment == [ComposeEnvVar("A", ""), ComposeEnvVar("B", "set")])
        #expect(p.warnings.contains("The \"UNSET\" variable is not set. Defaulting to a blank string."))
    }

    @Test func interpolationUnit() throws {
        let i = ComposeInterpolation(variables: ["A": "x", "E": ""])
        var unset: [String] = []
        #expect(try i.interpolate("${A}-$A-$$A-${B-d}-${E:-d}-${E-d}", unset: &unset) == "x-x-$A-d-d-")
        #expect(throws: ComposeInterpolation.Failure.required(name: "B", message: "need B")) {
            try i.interpolate("${B:?need B}", unset: &unset)
        }
        #expect(throws: ComposeInterpolation.Failure.required(name: "E", message: "")) {
            try i.interpolate("${E:?}", unset: &unset)
        }
        #expect(try i.interpolate("${E?err}", unset: &unset) == "")
    }

    @Test func mergeTwoFiles() throws {
        let p = try Self.load([
            (
                "compose.yaml",
                """
                services:
                  web:
                    image: web:1
                    command: ["serve"]
                    environment: [A=1, B=2]
                    ports: ["8000:8000"]
                    volumes: ["./a:/data", "logs:/logs"]
                    labels: {x: "1"}
                    depends_on: [db]
                  db:
                    image: db:1
                volumes:
                  logs:
                """
            ),
            (
                "override.yaml",
                """
                services:
                  web:
                    image: web:2
                    command: ["debug", "--verbose"]
                    environment:
                      B: "3"
                      C: "4"
                    ports: ["9229:9229"]
                    volumes: ["./b:/data"]
                    depends_on:
                      db:
                        condition: service_healthy
                """
            ),
        ])
        let web = try #require(p.service("web"))
        #expect(web.image == "web:2")
        #expect(web.command == ["debug", "--verbose"])
        #expect(web.environment == [ComposeEnvVar("A", "1"), ComposeEnvVar("B", "3"), ComposeEnvVar("C", "4")])
        #expect(web.ports == [ComposePort(target: 8000, published: 8000), ComposePort(target: 9229, published: 9229)])
        #expect(web.volumes.map(\.target) == ["/data", "/logs"])
        #expect(web.volumes[0].source == "$DIR/b")
        #expect(web.dependsOn == [ComposeDependency(service: "db", condition: .healthy)])
        #expect(web.labels == ["x": "1"])
    }

    @Test func anchorsAndMergeKeys() throws {
        let p = try Self.load(
            """
            x-common: &common
              image: base:1
              environment: {LEVEL: info}
            services:
              a:
                <<: *common
              b:
                <<: *common
                image: other:2
            """)
        #expect(p.service("a")?.image == "base:1")
        #expect(p.service("b")?.image == "other:2")
        #expect(p.service("b")?.environment == [ComposeEnvVar("LEVEL", "info")])
        #expect(p.warnings.isEmpty)
    }

    @Test func projectNames() throws {
        #expect(ComposePaths.normalizeProjectName("My App_1-x") == "myapp_1-x")
        #expect(ComposePaths.normalizeProjectName("_Dash") == "dash")
        #expect(try Self.load([("compose.yaml", "name: demo\nservices: {a: {image: x}}")]).name == "demo")
        #expect(
            try Self.load([("compose.yaml", "name: demo\nservices: {a: {image: x}}")], project: "cli").name == "cli")
        #expect(
            try Self.load([("compose.yaml", "services: {a: {image: x}}")], env: ["COMPOSE_PROJECT_NAME": "FromEnv"])
                .name == "fromenv")
    }

    @Test func dependencyOrderAndCycles() throws {
        let p = try Self.load(
            """
            services:
              web: {image: w, depends_on: [api]}
              api: {image: a, depends_on: {db: {condition: service_healthy}, cache: {condition: service_started}}}
              db: {image: d}
              cache: {image: c}
            """)
        #expect(try ComposeOrder.startOrder(p.services).map(\.name) == ["db", "cache", "api", "web"])
        #expect(try p.selectServices(["api"], profiles: []).map(\.name) == ["api", "db", "cache"])
        #expect(try p.selectServices(["api"], profiles: [], withDependencies: false).map(\.name) == ["api"])
        let cyclic = try Self.load("services: {a: {image: x, depends_on: [b]}, b: {image: y, depends_on: [a]}}")
        #expect(throws: ComposeError.usage("dependency cycle between services: a -> b -> a")) {
            try ComposeOrder.startOrder(cyclic.services)
        }
    }

    @Test func profiles() throws {
        let p = try Self.load("services: {a: {image: x}, debug: {image: y, profiles: [dev]}}")
        #expect(try p.selectServices([], profiles: []).map(\.name) == ["a"])
        #expect(try p.selectServices([], profiles: ["dev"]).map(\.name) == ["a", "debug"])
    }

    @Test func envFileSyntax() throws {
        let vars = try ComposeEnvFile.parse(
            """
            # comment
            A=1
            export B = two words
            C="quoted # not a comment\\nnext"
            D='single $A'
            E=${A}x # a comment
            F
            """, environment: ["F": "from-env"])
        #expect(vars.map(\.key) == ["A", "B", "C", "D", "E", "F"])
        #expect(vars.map(\.value) == ["1", "two words", "quoted # not a comment\nnext", "single $A", "1x", "from-env"])
    }

    @Test func shellWords() throws {
        #expect(try ShellWords.split(#"sh -c "echo 'a b' \"c\"" d\ e"#) == ["sh", "-c", #"echo 'a b' "c""#, "d e"])
        #expect(ShellWords.join(["pg_isready", "-U", "a b"]) == "pg_isready -U 'a b'")
    }

    @Test func configRoundTrip() throws {
        let p = try Self.load(
            """
            services:
              web:
                image: "web:1"
                ports: ["8000:8000"]
                environment: {PORT: "8000", DEBUG: "true"}
            """)
        let yaml = p.yaml()
        #expect(yaml.contains("name: myapp"))
        #expect(yaml.contains("published: 8000"))
        // What config prints loads again to the same model.
        let again = try Self.load(yaml)
        #expect(again.services == p.services)
    }

    // MARK: malformed files

    @Test(arguments: [
        (
            "services:\n  web:\n    image: x\n    ports: [\"80:abc\"]\n",
            "services.web.ports[0]: invalid container port \"abc\""
        ),
        (
            "services:\n  web:\n    image: x\n    ports:\n      - target: 99999\n",
            "services.web.ports[0].target: invalid value \"99999\": larger than the maximum (65535)"
        ),
        ("services:\n  web:\n    image: x\n    ports: 8000\n", "services.web.ports: must be a list"),
        (
            "services:\n  web:\n    build: .\n    environment: 3\n",
            "services.web.environment: must be a mapping or a list"
        ),
        (
            "services:\n  web:\n    image: x\n    volumes: [\"data:relative\"]\n",
            "services.web.volumes[0]: the target must be an absolute path"
        ),
        (
            "services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: when_ready\n  db:\n    image: y\n",
            "services.web.depends_on.db.condition: expected service_started, service_healthy or service_completed_successfully"
        ),
        (
            "services:\n  web:\n    image: x\n    depends_on: [nope]\n",
            "services.web.depends_on[0]: depends on undefined service \"nope\""
        ),
        (
            "services:\n  web:\n    image: x\n    volumes: [\"data:/d\"]\n",
            "services.web.volumes[0]: refers to undefined volume \"data\""
        ),
        ("services:\n  web:\n    image: x\n    tty: maybe\n", "services.web.tty: must be a boolean"),
        (
            "services:\n  web:\n    image: x\n    healthcheck:\n      interval: soon\n",
            "services.web.healthcheck.interval: invalid value \"soon\": expected a duration"
        ),
        ("services:\n  web:\n    image: x\n    restart: sometimes\n", "services.web.restart: expected no, always"),
        ("services:\n  web:\n    command: [a]\n", "services.web: has neither an image nor a build context"),
        (
            "services:\n  web:\n    image: ${TAG:?set TAG please}\n",
            "services.web.image: required variable TAG is missing a value: set TAG please"
        ),
        ("services:\n  web:\n    image: ${TAG\n", "services.web.image: invalid interpolation format"),
        (
            "services:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits:\n          memory: lots\n",
            "services.web.deploy.resources.limits.memory: invalid value \"lots\": expected a size"
        ),
        ("services: [web]\n", "services: must be a mapping, got a list"),
        ("services:\n  web:\n    image: x\n   bad indent: 1\n", "invalid YAML"),
        (
            "services:\n  web:\n    image: x\n    networks: [back]\n",
            "services.web.networks[0]: refers to undefined network \"back\""
        ),
        (
            "services:\n  web:\n    image: x\n    scale: 2\n    deploy:\n      replicas: 3\n",
            "services.web: can't set distinct values on 'scale' and 'deploy.replicas'"
        ),
    ])
    func malformed(_ text: String, _ expected: String) {
        let message = Self.error(text)
        #expect(message.contains(expected), "got: \(message)")
        #expect(message.contains("compose.yaml"), "the file is named: \(message)")
    }

    @Test func errorInOverrideNamesThatFile() throws {
        do {
            _ = try Self.load([
                ("compose.yaml", "services: {web: {image: x}}"),
                ("second.yaml", "services:\n  web:\n    ports: [\"x\"]\n"),
            ])
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("second.yaml: services.web.ports[0]"), "\(error)")
        }
    }

    /// `compose --project-directory DIR up` with no -f finds DIR's compose.yaml, as Docker Compose does.
    @Test func projectDirectoryIsWhereTheFileIsLookedFor() throws {
        let base = NSTemporaryDirectory() + "skiff-projdir-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/app", withIntermediateDirectories: true)
        try "services:\n  web: {image: busybox}\n".write(
            toFile: base + "/app/compose.yaml", atomically: true, encoding: .utf8)
        var options = ComposeLoadOptions(workingDirectory: base, environment: [:])
        options.projectDirectory = "app"
        let p = try ComposeLoader.load(options)
        #expect(p.service("web") != nil && p.workingDirectory == base + "/app")
    }

    @Test func noFile() {
        var options = ComposeLoadOptions(workingDirectory: "/proc/self", environment: [:])
        options.files = []
        #expect(throws: ComposeError.self) { try ComposeLoader.load(options) }
    }
}
