import Foundation
import Testing

@testable import SkiffKit

/// Pure policy behind `compose events` (events from two looks at the containers) and --dns/--add-host
/// (the resolv.conf and /etc/hosts lines).
@Suite("Compose events and name options")
struct ComposeEventAndNameOptionTests {
    static func container(_ id: String) -> Container {
        Container(
            id: id, name: "p-\(id)-1", image: "busybox", imageID: "sha256:x", manifestDigest: "sha256:y",
            layerChainIDs: [],
            command: ["sh"], created: "2026-01-01T00:00:00Z", status: .running, autoRemove: false,
            labels: ["com.docker.compose.service": id])
    }

    @Test func eventsFromTwoLooks() {
        typealias S = ComposeEvent.Snapshot
        let a = Self.container("a"), b = Self.container("b"), c = Self.container("c")
        let all = ["a": a, "b": b, "c": c]
        let before: [String: S] = [
            "a": S(startedAt: "t1", finishedAt: nil, running: true, paused: false),
            "b": S(startedAt: "t1", finishedAt: nil, running: true, paused: false),
        ]
        let after: [String: S] = [
            // a died and its restart policy started it again between the looks.
            "a": S(startedAt: "t3", finishedAt: "t2", running: true, paused: false),
            "c": S(startedAt: "t2", finishedAt: nil, running: true, paused: true),
        ]
        let events = ComposeEvent.diff(
            before: before, after: after, containers: all, now: Date(timeIntervalSince1970: 0))
        #expect(
            events.map { "\($0.action) \($0.container.id)" } == [
                "die a", "start a", "create c", "start c", "destroy b",
            ])
        #expect(events[0].attributes["exitCode"] == "0")
        #expect(
            events[0].line.hasPrefix(
                "1970-01-01 00:00:00.000000 container die a (exitCode=0, image=busybox, name=p-a-1)"))
        let paused = ComposeEvent.diff(
            before: after,
            after: ["a": after["a"]!, "c": S(startedAt: "t2", finishedAt: nil, running: true, paused: false)],
            containers: all, now: Date())
        #expect(paused.map(\.action) == ["unpause"])
    }

    @Test func resolvConfAndHostsLines() throws {
        var o = ContainerNameOptions()
        o.dns = ["9.9.9.9", "1.1.1.1"]
        o.dnsSearch = ["a.test", "b.test"]
        o.dnsOptions = ["ndots:2"]
        o.extraHosts = ["db:10.0.0.5", "host.docker.internal:host-gateway", "eq=10.0.0.6"]
        try o.validate()
        #expect(
            o.resolvConf(base: "nameserver 10.88.0.1\nsearch lan\noptions edns0\n")
                == "nameserver 9.9.9.9\nnameserver 1.1.1.1\nsearch a.test b.test\noptions ndots:2\n")
        #expect(ContainerNameOptions().resolvConf(base: "nameserver 10.88.0.1\n") == "nameserver 10.88.0.1\n")
        #expect(o.hostsLines(gateway: "172.20.0.1") == "10.0.0.5\tdb\n172.20.0.1\thost.docker.internal\n10.0.0.6\teq\n")
        var bad = ContainerNameOptions()
        bad.extraHosts = ["db:not-an-ip"]
        #expect(throws: KitError.self) { try bad.validate() }
    }
}
