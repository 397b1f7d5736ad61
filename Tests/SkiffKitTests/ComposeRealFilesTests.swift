import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// Real compose files, as docker/awesome-compose has them (images replaced by the local busybox where
/// the sample pulls one; every key kept as the sample writes it): they load with `compose config`
/// without edits and without warnings, and the ones the local image can run come up.
@Suite("Real compose files", .serialized)
struct ComposeRealFilesTests {
    struct Sample: Sendable, CustomStringConvertible {
        var name: String
        var file: String
        var compose: String
        /// Files beside the compose file (path → contents).
        var files: [String: String]
        /// Containers that run after `up -d` (the rest exit on their own).
        var running: [String]
        var description: String { name }
        /// The fixed host ports the sample publishes, held while it is up (the talk demo also takes 8000).
        var publishedPorts: Set<UInt16> {
            let pattern = /- ['"]?(\d+):\d+/
            return Set(compose.matches(of: pattern).compactMap { UInt16($0.1) })
        }
    }

    /// A sample of Tests/Fixtures/awesome-compose (the files ComposeAwesomeSamplesTests loads), with
    /// `replacing` applied to its compose file (an image the local store has for one it has not).
    static func fixture(_ name: String, file: String, replacing: [String: String] = [:]) -> Sample {
        let dir = RepositoryPaths.file("Tests/Fixtures/awesome-compose/" + name)
        var sample = Sample(name: name, file: file, compose: "", files: [:], running: [])
        let paths = (FileManager.default.subpaths(atPath: dir) ?? []).filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: dir + "/" + path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }
        for path in paths {
            let text = (try? String(contentsOfFile: dir + "/" + path, encoding: .utf8)) ?? ""
            if path == file { sample.compose = text } else { sample.files[path] = text }
        }
        for (old, new) in replacing { sample.compose = sample.compose.replacingOccurrences(of: old, with: new) }
        return sample
    }

    static let busyboxWeb =
        "FROM busybox AS builder\nRUN mkdir -p /www && echo sample-ok > /www/index.html\nCMD [\"httpd\", \"-f\", \"-p\", \"8000\", \"-h\", \"/www\"]\n"

    static let samples: [Sample] = [
        // django/compose.yaml
        Sample(
            name: "django", file: "compose.yaml",
            compose: """
                services:
                  web: 
                    build:
                      context: app
                      target: builder
                    ports: 
                      - '8000:8000'

                """, files: ["app/Dockerfile": busyboxWeb], running: ["django-web-1"]),
        // flask-redis/docker-compose.yml (image redislabs/redismod → busybox)
        Sample(
            name: "flask-redis", file: "docker-compose.yml",
            compose: """
                version: '2'
                services:
                   redis: 
                     image: busybox
                     ports:
                       - '6379:6379' 
                   web:
                        build: .
                        ports:
                            - "5000:5000"
                        volumes:
                            - .:/code
                        depends_on:
                            - redis

                """,
            files: [
                "Dockerfile":
                    "FROM busybox\nWORKDIR /code\nCMD [\"httpd\", \"-f\", \"-p\", \"5000\", \"-h\", \"/code\"]\n",
                "app.py": "print('hello')\n",
            ],
            running: ["flask-redis-web-1"]),
        // netdata/compose.yaml (image netdata/netdata → busybox, which exits at once): cap_add, security_opt
        // apparmor:unconfined (skiff applies no AppArmor profile), host files and /proc, /sys bound read-only.
        fixture("netdata", file: "compose.yaml", replacing: ["image: netdata/netdata": "image: busybox"]),
    ]

    @Test(arguments: samples)
    func sampleLoadsAndComesUp(sample: Sample) async throws {
        try await HostPortLock.holding(sample.publishedPorts) { try comeUp(sample) }
    }

    func comeUp(_ sample: Sample) throws {
        let p = try ComposeEndToEndTests.Project("services: {}\n", directoryName: sample.name)
        defer { p.cleanUp() }
        unlink(p.dir + "/compose.yaml")
        try sample.compose.write(toFile: p.dir + "/" + sample.file, atomically: true, encoding: .utf8)
        for (path, text) in sample.files {
            let full = p.dir + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        let config = p.compose("config")
        #expect(config.status == 0, "\(config.err)")
        #expect(config.err.isEmpty, "warnings for \(sample.name): \(config.err)")

        let up = p.compose("up", "-d", "--build", timeout: 180)
        #expect(up.status == 0, "\(up.err)")
        for name in sample.running {
            #expect(p.container(name)?.status == .running, "\(name): \(up.err)")
        }
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    /// nginx-flask-postgres and nginx-flask-mysql declare `secrets:` (and build targets and stages
    /// the local busybox image cannot stand in for): they load with `compose config`, without warnings.
    static let secretSamples: [Sample] = [
        Sample(
            name: "nginx-flask-postgres", file: "compose.yaml",
            compose: """
                services:
                  db:
                    image: busybox
                    restart: always
                    secrets:
                      - db-password
                    volumes:
                      - db-data:/var/lib/postgresql/data
                    networks:
                      - backnet
                    environment:
                      - POSTGRES_DB=example
                      - POSTGRES_PASSWORD_FILE=/run/secrets/db-password
                    expose:
                      - 5432
                    healthcheck:
                      test: [ "CMD", "pg_isready" ]
                      interval: 10s
                      timeout: 5s
                      retries: 5

                  backend:
                    build:
                      context: backend
                      target: builder
                    secrets:
                      - db-password
                    ports:
                      - 8000:8000
                    networks:
                      - backnet
                      - frontnet
                    depends_on:
                      db:
                        condition: service_healthy

                  proxy:
                    build: proxy
                    restart: always
                    ports:
                      - 80:80
                    depends_on: 
                      - backend
                    networks:
                      - frontnet

                volumes:
                  db-data:

                secrets:
                  db-password:
                    file: db/password.txt

                networks:
                  backnet:
                  frontnet:

                """,
            files: [
                "backend/Dockerfile": busyboxWeb, "proxy/Dockerfile": "FROM busybox\n", "db/password.txt": "secret\n",
            ], running: []),
        fixture("nginx-flask-mysql", file: "compose.yaml"),
    ]

    @Test(arguments: secretSamples)
    func secretSampleLoads(sample: Sample) throws {
        try loadsWithoutWarnings(sample)
    }

    /// wasmedge-kafka-mysql and wasmedge-mysql-nginx (compose.yml) name a runtime skiff does not have
    /// (`runtime: io.containerd.wasmedge.v1`, with `platform: wasi/wasm`): Docker Compose loads them and
    /// shows the runtime in `config`; only creating the container is refused, as dockerd refuses it.
    static let wasmSamples: [Sample] = [
        fixture("wasmedge-kafka-mysql", file: "compose.yml"),
        Sample(
            name: "wasmedge-mysql-nginx", file: "compose.yml",
            compose: """
                services:
                  frontend:
                    image: nginx:alpine
                    ports:
                      - 8090:80
                    volumes:
                      - ./frontend:/usr/share/nginx/html

                  backend:
                    image: demo-microservice
                    platform: wasi/wasm32
                    build:
                      context: backend/
                    ports:
                      - 8080:8080
                    environment:
                      DATABASE_URL: mysql://root:whalehello@db:3306/mysql
                      RUST_BACKTRACE: full
                    restart: unless-stopped
                    runtime: io.containerd.wasmedge.v1

                  db:
                    image: mariadb:10.9
                    environment:
                      MYSQL_ROOT_PASSWORD: whalehello

                """, files: ["backend/Dockerfile": "FROM busybox\n", "frontend/index.html": "hi\n"], running: []),
    ]

    @Test(arguments: wasmSamples)
    func wasmSampleLoadsWithItsRuntime(sample: Sample) throws {
        let config = try loadsWithoutWarnings(sample)
        #expect(config.contains("runtime: io.containerd.wasmedge.v1"), "\(config)")
        #expect(config.contains("platform: wasi/wasm"), "\(config)")
    }

    /// A Wasm platform loads (as Docker Compose loads it) and `up` refuses it by its key, making nothing.
    @Test func aWasmPlatformIsRefusedAtUpNamingTheKey() throws {
        let p = try ComposeEndToEndTests.Project("services:\n  app:\n    image: busybox\n    platform: wasi/wasm\n")
        defer { p.cleanUp() }
        #expect(p.compose("config").status == 0)
        let up = p.compose("up", "-d")
        #expect(up.status != 0)
        #expect(
            up.err.contains("services.app.platform: \"wasi/wasm\": skiff builds and runs Linux images only"),
            "\(up.err)")
        #expect(p.compose("ps", "-a", "-q").out.isEmpty)
    }

    /// Writes the sample and its files, runs `compose config`: it succeeds without a warning; its output.
    @discardableResult
    func loadsWithoutWarnings(_ sample: Sample) throws -> String {
        let p = try ComposeEndToEndTests.Project("services: {}\n", directoryName: sample.name)
        defer { p.cleanUp() }
        unlink(p.dir + "/compose.yaml")
        try sample.compose.write(toFile: p.dir + "/" + sample.file, atomically: true, encoding: .utf8)
        for (path, text) in sample.files {
            let full = p.dir + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        let config = p.compose("config")
        #expect(config.status == 0, "\(config.err)")
        #expect(config.err.isEmpty, "warnings for \(sample.name): \(config.err)")
        return config.out
    }
}
