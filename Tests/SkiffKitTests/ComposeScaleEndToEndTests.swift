import Foundation
import SkiffSystem
import SkiffTestSupport
import Testing

@testable import SkiffKit

private let debianArchive = RepositoryPaths.imageArchive("debian-bookworm")

/// Scaled services driven through the built CLI as a user would: `scale: 3` makes three containers that
/// all answer to the service name, `compose scale` and `up --scale` remove and add the highest numbers,
/// published ports per replica, and `down` leaves nothing.
@Suite(
    "compose scale end to end", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && FileManager.default.fileExists(atPath: debianArchive)))
struct ComposeScaleEndToEndTests {
    typealias Project = ComposeEndToEndTests.Project

    static let webAndClient = """
        name: s14scale
        services:
          web:
            image: busybox
            # The Nth replica to start serves 2(N-1) s later: the client must wait for the last one.
            command: ["sh", "-c", "i=0; while ! mkdir /slots/$$i 2>/dev/null; do i=$$((i+1)); done; sleep $$((i*2)); mkdir -p /www && hostname > /www/index.html && echo serving-$$(hostname) && exec httpd -f -p 8080 -h /www"]
            volumes: ["./slots:/slots"]
            scale: 3
            ports: ["8080"]
            healthcheck:
              test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
              interval: 1s
              retries: 30
            stop_grace_period: 1s
          client:
            image: debian:bookworm
            command: ["sleep", "infinity"]
            depends_on:
              web: {condition: service_healthy}
            stop_grace_period: 1s
        """

    /// What the client gets from every address the service name resolves to: one page per replica.
    static let fetchEvery = """
        for ip in $(getent ahostsv4 web | awk '{print $1}' | sort -u); do
          exec 3<>/dev/tcp/$ip/8080 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && tail -n 1 <&3; exec 3<&-
        done | sort
        """

    @Test func threeReplicasScaledDownAndUp() throws {
        let p = try Project(Self.webAndClient)
        defer { p.cleanUp() }
        #expect(p.engine.listContainers().isEmpty)
        let load = Process()
        load.executableURL = URL(fileURLWithPath: Engine.skiffPath)
        load.arguments = ["load", "-q", "-i", debianArchive]
        load.environment = ProcessInfo.processInfo.environment.merging(["SKIFF_ROOT": p.engine.root]) { $1 }
        load.standardOutput = FileHandle.nullDevice
        try load.run()
        load.waitUntilExit()
        try #require(load.terminationStatus == 0, "skiff load debian-bookworm")

        let up = p.compose("up", "-d")
        try #require(up.status == 0, "\(up.err)")
        let names = ["s14scale-web-1", "s14scale-web-2", "s14scale-web-3"]
        let webs = try names.map { n in try #require(p.container(n), "\(n) missing: \(up.err)") }
        #expect(webs.map(\.composeNumber) == [1, 2, 3])
        #expect(webs.allSatisfy { $0.status == .running && $0.composeService == "web" })
        let client = try #require(p.container("s14scale-client-1"))

        // depends_on service_healthy waited for every replica, not only the first one.
        let clientStart = try #require(p.engine.container(client.id).startedAt.flatMap(Timestamp.parse))
        for w in webs {
            let probe = try p.engine.container(w.id).health?.log.first { $0.ExitCode == 0 }
            let healthy = try #require(
                probe.flatMap { Timestamp.parse($0.End) }, "\(w.name) was not healthy yet when the client started")
            #expect(healthy <= clientStart, "client started before \(w.name) was healthy")
        }

        // The service name resolves to every replica and each one answers; each container name to its own.
        let hostnames = try (1...3).map { i in
            let r = p.compose("exec", "-T", "--index", "\(i)", "web", "hostname")
            try #require(r.status == 0, "\(r.err)")
            return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(Set(hostnames).count == 3, "\(hostnames)")
        let pages = p.compose("exec", "-T", "client", "bash", "-c", Self.fetchEvery)
        #expect(pages.out == hostnames.sorted().map { $0 + "\n" }.joined(), "\(pages.out)\(pages.err)")
        for (i, n) in names.enumerated() {
            let r = p.compose(
                "exec", "-T", "client", "bash", "-c",
                "exec 3<>/dev/tcp/\(n)/8080 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && tail -n 1 <&3")
            #expect(r.out == hostnames[i] + "\n", "\(n): \(r.out)\(r.err)")
        }

        // A container-only port: each replica its own host port; `port --index` picks one.
        let ports = (1...3).map { p.compose("port", "--index", "\($0)", "web", "8080").out }
        #expect(Set(ports).count == 3 && ports.allSatisfy { $0.hasPrefix("0.0.0.0:") }, "\(ports)")

        // ps and logs show every replica; logs prefix each line with its container.
        let ps = p.compose("ps", "--format", "{{.Name}}")
        #expect(ps.out == (names + ["s14scale-client-1"]).sorted().joined(separator: "\n") + "\n", "\(ps.out)")
        let logs = p.compose("logs", "web")
        for (i, h) in hostnames.enumerated() {
            #expect(logs.out.contains("web-\(i + 1)  | serving-\(h)"), "\(logs.out)")
        }

        let top = p.compose("top", "web")
        #expect(names.allSatisfy { top.out.contains($0 + "\n") } && top.out.contains("httpd"), "\(top.out)")

        // up again with the same scale: nothing running is touched.
        let again = p.compose("up", "-d")
        #expect(again.status == 0, "\(again.err)")
        #expect(names.compactMap { p.container($0)?.id } == webs.map(\.id))
        #expect(!again.err.contains("Recreate") && !again.err.contains("Created"), "\(again.err)")

        // compose scale web=1: the highest numbers go, web-1 stays as it was.
        let down1 = p.compose("scale", "web=1")
        #expect(down1.status == 0, "\(down1.err)")
        #expect(p.engine.listContainers().filter { $0.composeService == "web" }.map(\.id) == [webs[0].id])
        let one = p.compose("exec", "-T", "client", "bash", "-c", Self.fetchEvery)
        #expect(one.out == hostnames[0] + "\n", "\(one.out)\(one.err)")

        // up --scale web=2: the next number is added, web-1 untouched.
        FileIO.removeTree(p.dir + "/slots")
        #expect(p.compose("up", "-d", "--scale", "web=2").status == 0)
        let now = p.engine.listContainers().filter { $0.composeService == "web" }.sorted {
            $0.composeNumber < $1.composeNumber
        }
        #expect(now.map(\.name) == ["s14scale-web-1", "s14scale-web-2"] && now[0].id == webs[0].id)
        #expect(now[1].id != webs[1].id, "web-2 is a new container")

        // stop / start act on every replica.
        #expect(p.compose("stop", "web").status == 0)
        #expect(p.engine.listContainers().filter { $0.composeService == "web" }.allSatisfy { $0.status == .exited })
        #expect(p.compose("start", "web").status == 0)
        #expect(p.engine.listContainers().filter { $0.composeService == "web" }.allSatisfy { $0.status == .running })

        let ids = p.engine.listContainers().map(\.id)
        let down = p.compose("down")
        #expect(down.status == 0, "\(down.err)")
        p.checkNothingLeft(ids: ids)
        #expect(((try? p.engine.listNetworks()) ?? []).allSatisfy { !$0.name.hasPrefix("s14scale") })
    }

    /// A host range gives each replica its own port of the range; a fixed host port fails on the second
    /// replica with Docker's "port is already allocated", naming the port.
    @Test func publishedPortsPerReplica() throws {
        var base: UInt16 = 0
        for _ in 0..<20 {
            guard let port = HostNetwork.probePort(ip: "127.0.0.1", port: 0, proto: "tcp"), port < 65000 else {
                continue
            }
            if (0..<4).allSatisfy({ HostNetwork.probePort(ip: "127.0.0.1", port: port + $0, proto: "tcp") != nil }) {
                base = port
                break
            }
        }
        try #require(base != 0, "no free ports")
        let p = try Project(
            """
            name: s14ports
            services:
              ranged:
                image: busybox
                command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
                scale: 3
                ports: ["127.0.0.1:\(base)-\(base + 2):8080"]
              fixed:
                image: busybox
                command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
                deploy: {replicas: 2}
                ports: ["127.0.0.1:\(base + 3):8080"]
            """)
        defer { p.cleanUp() }
        let up = p.compose("up", "-d", "ranged")
        #expect(up.status == 0, "\(up.err)")
        let ports = (1...3).map { p.compose("port", "--index", "\($0)", "ranged", "8080").out }
        #expect(
            Set(ports) == Set((0..<3).map { "127.0.0.1:\(base + UInt16($0))\n" }), "\(ports)")

        // inspect shows the range as asked, as Docker does.
        let ranged = try p.engine.container(try #require(p.container("s14ports-ranged-2")).id)
        #expect(
            p.engine.inspect(ranged).HostConfig.PortBindings["8080/tcp"]?.first?.HostPort == "\(base)-\(base + 2)")

        let fixed = p.compose("up", "-d", "fixed")
        #expect(fixed.status != 0)
        #expect(
            fixed.err.contains("Bind for 127.0.0.1:\(base + 3) failed: port is already allocated"), "\(fixed.err)")
        #expect(p.container("s14ports-fixed-1")?.status == .running)

        // Scaled to 0: the service has no container; the other one is left alone.
        #expect(p.compose("scale", "ranged=0").status == 0)
        #expect(p.engine.listContainers().filter { $0.composeService == "ranged" }.isEmpty)
        #expect(p.container("s14ports-fixed-1")?.status == .running)

        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }
}
