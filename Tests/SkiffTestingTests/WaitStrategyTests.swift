import Foundation
import SkiffKit
import Testing

@testable import SkiffTesting

/// Each wait strategy against a real busybox container: it succeeds when the condition comes true, and
/// when it never does, it times out with a message that says what it last saw.
@Suite("SkiffTesting wait strategies", .enabled(if: TestRoot.available), .serialized)
struct WaitStrategyTests {
    static let httpd = [
        "sh", "-c", "mkdir -p /www && echo hello-from-skiff > /www/index.html && exec httpd -f -p 8080 -h /www",
    ]

    /// The failure a start ends with; fails the test when it started.
    func failure(_ request: ContainerRequest, in root: TestRoot) async -> SkiffTestingError? {
        do {
            let c = try await request.start(in: root.session)
            Issue.record("started \(c.name), expected a timeout")
            return nil
        } catch {
            return error
        }
    }

    @Test func logLineNthOccurrence() async throws {
        let root = try await TestRoot()
        let ticker = ContainerRequest(image: "busybox")
            .withCommand([
                "sh", "-c", "echo booting; sleep 0.2; echo 'tick ready'; sleep 0.2; echo 'tick ready'; exec sleep 1000",
            ])
        let c = try await ticker.waitingFor(.log("tick (r|R)eady", occurrences: 2)).start(in: root.session)
        #expect(try await c.logs().components(separatedBy: "tick ready").count - 1 >= 2)

        let error = await failure(
            ticker.waitingFor(.log("never printed", occurrences: 1).timeout(.milliseconds(800))), in: root)
        guard case .waitTimedOut(let f) = error else {
            Issue.record("expected waitTimedOut, got \(String(describing: error))"); return
        }
        #expect(f.strategy.contains("never printed"))
        #expect(f.lastSeen.contains("0 of 1 matching"))
        #expect(f.lastLogs.contains("booting"), "\(f)")
        #expect(f.description.contains("booting"))
        #expect(root.cleanUp() == [])
    }

    @Test func listeningPortFromHostAndInside() async throws {
        let root = try await TestRoot()
        let web = try await ContainerRequest(image: "busybox").withCommand(Self.httpd).withExposedPorts(8080)
            .waitingFor(.port(8080, checked: .both)).start(in: root.session)
        let port = try web.mappedPort(8080)
        #expect(port != 0)
        #expect(try web.endpoint(8080) == "127.0.0.1:\(port)")
        // Really reachable from this process, on the mapped port.
        let answer = try httpGet(port: port, path: "/index.html")
        #expect(answer.status == 200 && answer.body == "hello-from-skiff\n")

        let silent = ContainerRequest(image: "busybox").withCommand(["sleep", "1000"]).withExposedPorts(8080)
        let error = await failure(silent.waitingFor(.port(8080).timeout(.milliseconds(600))), in: root)
        guard case .waitTimedOut(let f) = error else {
            Issue.record("expected waitTimedOut, got \(String(describing: error))"); return
        }
        #expect(f.lastSeen.contains("connect to 127.0.0.1:"), "\(f)")
        #expect(f.lastSeen.contains("refused"), "\(f)")

        let inside = await failure(
            silent.waitingFor(.port(8080, checked: .inside).timeout(.milliseconds(400))), in: root)
        guard case .waitTimedOut(let g) = inside else {
            Issue.record("expected waitTimedOut, got \(String(describing: inside))"); return
        }
        #expect(g.lastSeen.contains("no socket listens on port 8080 inside"), "\(g)")

        // A port the container does not publish is a usage error, not a timeout.
        let unexposed = await failure(silent.waitingFor(.port(9999)), in: root)
        guard case .portNotExposed(9999, _, _) = unexposed else {
            Issue.record("got \(String(describing: unexposed))"); return
        }
        #expect(root.cleanUp() == [])
    }

    @Test func httpStatusOnPath() async throws {
        let root = try await TestRoot()
        let web = ContainerRequest(image: "busybox").withCommand(Self.httpd).withExposedPorts(8080)
        let c = try await web.waitingFor(.http("/index.html", port: 8080)).start(in: root.session)
        #expect(try httpGet(port: c.mappedPort(8080), path: "/index.html").status == 200)
        // A status other than 2xx can be what is waited for.
        _ = try await web.waitingFor(.http("/missing", port: 8080, status: 404)).start(in: root.session)

        let error = await failure(web.waitingFor(.http("/missing", port: 8080).timeout(.milliseconds(800))), in: root)
        guard case .waitTimedOut(let f) = error else {
            Issue.record("expected waitTimedOut, got \(String(describing: error))"); return
        }
        #expect(f.lastSeen.contains("HTTP 404"), "\(f)")
        #expect(f.strategy.contains("GET /missing"))
        #expect(root.cleanUp() == [])
    }

    @Test func imageHealthcheckFromADockerfileDirectory() async throws {
        let root = try await TestRoot()
        let context = try root.scratch("health")
        try """
        FROM busybox
        HEALTHCHECK --interval=30s --retries=1 CMD test -f /tmp/healthy || (echo not yet; exit 1)
        CMD ["sh", "-c", "sleep 0.3; touch /tmp/healthy; exec sleep 1000"]
        """.write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        let request = ContainerRequest(dockerfileDirectory: context)
        // The probe runs at the strategy's pace, not the image's 30 s interval.
        let started = ContinuousClock.now
        let c = try await request.waitingFor(.healthcheck.timeout(.seconds(10))).start(in: root.session)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(try root.engine.container(c.id).health?.status == .healthy)

        let never = request.withCommand(["sleep", "1000"]).waitingFor(.healthcheck.timeout(.milliseconds(800)))
        let error = await failure(never, in: root)
        guard case .waitTimedOut(let f) = error else {
            Issue.record("expected waitTimedOut, got \(String(describing: error))"); return
        }
        #expect(f.lastSeen.contains("last probe exit 1: not yet"), "\(f)")

        let noCheck = await failure(
            ContainerRequest(image: "busybox").withCommand(["sleep", "1000"])
                .waitingFor(.healthcheck.timeout(.milliseconds(300))), in: root)
        guard case .waitTimedOut(let g) = noCheck else { Issue.record("got \(String(describing: noCheck))"); return }
        #expect(g.lastSeen.contains("no healthcheck"))
        #expect(root.cleanUp() == [])
    }

    @Test func execThatExitsZero() async throws {
        let root = try await TestRoot()
        let request = ContainerRequest(image: "busybox").withCommand([
            "sh", "-c", "sleep 0.3; touch /tmp/ok; exec sleep 1000",
        ])
        let c = try await request.waitingFor(.exec(["test", "-f", "/tmp/ok"])).start(in: root.session)
        #expect(try await c.exec(["test", "-f", "/tmp/ok"]).exitCode == 0)

        let error = await failure(
            request.waitingFor(.exec(["sh", "-c", "echo still-waiting >&2; exit 7"]).timeout(.milliseconds(600))),
            in: root)
        guard case .waitTimedOut(let f) = error else {
            Issue.record("expected waitTimedOut, got \(String(describing: error))"); return
        }
        #expect(f.lastSeen == "exit 7: still-waiting", "\(f)")
        #expect(root.cleanUp() == [])
    }

    @Test func combinations() async throws {
        let root = try await TestRoot()
        let web = ContainerRequest(image: "busybox").withCommand(Self.httpd).withExposedPorts(8080)
        _ = try await web.waitingFor(.all(.port(8080), .http("/index.html", port: 8080), .exec(["true"]))).start(
            in: root.session)
        _ = try await web.waitingFor(.any(.log("never printed"), .port(8080))).start(in: root.session)

        // all: fails on the part that never comes true, by its own deadline, naming it.
        let error = await failure(
            web.waitingFor(
                .all(.port(8080), .log("never printed").timeout(.milliseconds(500)))
                    .timeout(.seconds(30))), in: root)
        guard case .waitTimedOut(let f) = error else {
            Issue.record("expected waitTimedOut, got \(String(describing: error))"); return
        }
        #expect(f.strategy.contains("never printed") && !f.strategy.contains("all of"), "\(f)")

        // any: fails when none comes true; the message has what each saw.
        let none = await failure(
            web.waitingFor(
                .any(.log("never printed"), .http("/missing", port: 8080))
                    .timeout(.milliseconds(700))), in: root)
        guard case .waitTimedOut(let g) = none else {
            Issue.record("expected waitTimedOut, got \(String(describing: none))"); return
        }
        #expect(g.lastSeen.contains("HTTP 404") && g.lastSeen.contains("0 of 1 matching"), "\(g)")
        #expect(root.cleanUp() == [])
    }

    @Test func containerThatExitsFailsAtOnce() async throws {
        let root = try await TestRoot()
        let started = ContinuousClock.now
        let error = await failure(
            ContainerRequest(image: "busybox").withCommand(["sh", "-c", "echo giving up; exit 3"])
                .waitingFor(.log("never printed").timeout(.seconds(30))), in: root)
        guard case .containerExited(_, let code, let logs) = error else {
            Issue.record("got \(String(describing: error))"); return
        }
        #expect(code == 3 && logs == ["giving up"])
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(root.cleanUp() == [])
    }
}
