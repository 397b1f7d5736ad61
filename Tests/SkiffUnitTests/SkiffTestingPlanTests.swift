import SkiffKit
import Testing

@testable import SkiffTesting

/// SkiffTesting's decisions without root or containers: how a request becomes Docker's run options, how a
/// compose project is confined to its session, what a wait strategy says about itself.
@Suite("SkiffTesting plans")
struct SkiffTestingPlanTests {
    let session = try! TestSession(root: "/nonexistent/skiff-testing-plan")

    @Test func requestBecomesRunOptions() throws {
        let request = ContainerRequest(image: "busybox")
            .withEntrypoint(["sh", "-c"])
            .withCommand(["echo hi"])
            .withEnvironment(["B": "2", "A": "1"])
            .withExposedPorts(8080, 53, 8080)
            .withLabel("team", "x")
            .withResources(memory: 1 << 20, cpus: 0.5, pids: 10)
            .withTmpfs("/scratch", options: "size=8m")
            .withBind("/srv/data", at: "/data", readOnly: true)
            .withUser("nobody")
            .withWorkingDirectory("/work")
        let o = try TestContainer.runOptions(request, session: session)
        #expect(o.detach)
        #expect(o.entrypoint == "sh" && o.command == ["-c", "echo hi"])
        #expect(o.env == ["A=1", "B=2"])
        // Every exposed port on a free port of the host's loopback, once each.
        #expect(o.publish == ["127.0.0.1::53", "127.0.0.1::8080"])
        #expect(o.labels == ["team": "x", TestSession.labelKey: session.id])
        #expect(o.memory == 1 << 20 && o.cpus == 0.5 && o.pidsLimit == 10)
        #expect(o.user == "nobody" && o.workdir == "/work")
        #expect(o.network == .bridge)
        #expect(o.mounts.map(\.kind) == [.tmpfs, .bind])
        #expect(o.mounts[1].readOnly && o.mounts[1].source == "/srv/data")
        // An entrypoint alone drops the image's CMD, as --entrypoint does.
        #expect(
            try TestContainer.runOptions(ContainerRequest(image: "x").withEntrypoint(["/bin/app"]), session: session)
                .command == [])
    }

    @Test func sessionsHaveTheirOwnNamesAndLabels() throws {
        let other = try TestSession(root: "/nonexistent/skiff-testing-plan")
        #expect(session.id != other.id && session.id.count == 10)
        #expect(session.namePrefix == "skt-\(session.id)")
        #expect(session.makeName("c") != session.makeName("c"))
        #expect(throws: SkiffTestingError.self) { try TestSession(root: "relative/root") }
    }

    @Test func composeProjectIsConfinedToItsSession() {
        var project = SkiffKit.ComposeProject(
            name: "p", workingDirectory: "/w", files: [], services: [], volumes: [], networks: [], warnings: [])
        var service = ComposeService(name: "db")
        service.containerName = "fixed"
        service.ports = [ComposePort(target: 5432, published: 5432, hostIP: "0.0.0.0")]
        project.services = [service]
        project.networks = [ComposeNetwork(name: "default", realName: "p_default")]
        var external = ComposeVolume(name: "shared", realName: "shared")
        external.external = true
        project.volumes = [ComposeVolume(name: "data", realName: "p_data"), external]
        SkiffTesting.ComposeProject.confine(&project, session: session)
        let s = project.services[0]
        #expect(s.labels[TestSession.labelKey] == session.id)
        #expect(s.containerName == "\(session.namePrefix)-fixed")
        #expect(s.ports == [ComposePort(target: 5432, published: nil, hostIP: "127.0.0.1")])
        #expect(project.networks[0].labels[TestSession.labelKey] == session.id)
        #expect(project.volumes[0].labels[TestSession.labelKey] == session.id)
        #expect(project.volumes[1].labels.isEmpty, "an external volume is not the session's to remove")
    }

    @Test func strategiesDescribeThemselves() {
        #expect(WaitStrategy.log("ready", occurrences: 2).description == "log line /ready/ 2 times")
        #expect(
            WaitStrategy.http("health", port: 80, status: 204).description == "HTTP 204 from GET /health on port 80")
        #expect(
            WaitStrategy.all(.port(1), .exec(["true"])).description
                == "all of (port 1 to accept connections from the host; `true` to exit with 0)")
        #expect(
            WaitStrategy.port(1).interval == .milliseconds(5) && WaitStrategy.exec(["x"]).interval == .milliseconds(100)
        )
        #expect(WaitStrategy.healthcheck.timeout(.seconds(3)).deadline == .seconds(3))
        let failure = WaitFailure(
            container: "c", strategy: "port 1", waited: .milliseconds(1500), lastSeen: "refused",
            lastLogs: ["booting", "still booting"])
        #expect(
            failure.description == "container c was not ready after 1.5 s waiting for port 1; last seen: refused\n"
                + "its last log lines:\n  booting\n  still booting")
    }

    @Test func postgresURLEncodesItsParts() {
        #expect(RunningPostgres.encode("p@ss word/:") == "p%40ss%20word%2F%3A")
        #expect(RunningPostgres.encode("plain-user_1.x~") == "plain-user_1.x~")
    }
}
