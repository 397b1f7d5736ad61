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

    @Test func projectEventsFromTheLog() {
        func event(_ action: String, _ labels: [String: String]) -> Event {
            Event(
                type: "container", action: action,
                actor: .init(id: "c1", attributes: labels.merging(["image": "busybox", "name": "p-a-1"]) { $1 }),
                timeNano: 1_000_000_000_123_456_789)
        }
        let mine = ["com.docker.compose.project": "p", "com.docker.compose.service": "a", "x": "y"]
        let die = event("die", mine.merging(["exitCode": "3"]) { $1 })
        let e = ComposeEvent(die, project: "p")
        #expect(e?.service == "a")
        // Docker Compose drops its own labels from the attributes.
        #expect(e?.line == "2001-09-09 01:46:40.123456 container die c1 (exitCode=3, image=busybox, name=p-a-1, x=y)")
        #expect(
            e?.json
                == "{\"action\":\"die\",\"attributes\":{\"exitCode\":\"3\",\"image\":\"busybox\",\"name\":\"p-a-1\",\"x\":\"y\"},"
                + "\"id\":\"c1\",\"service\":\"a\",\"time\":\"2001-09-09T01:46:40.123456789Z\",\"type\":\"container\"}")
        #expect(ComposeEvent(die, project: "other") == nil, "another project's")
        #expect(ComposeEvent(die, project: "p", services: ["b"]) == nil, "another service's")
        #expect(ComposeEvent(die, project: "p", services: ["a"]) != nil)
        #expect(
            ComposeEvent(event("start", mine.merging(["com.docker.compose.oneoff": "True"]) { $1 }), project: "p")
                == nil)
        var network = die
        network.type = "network"
        #expect(ComposeEvent(network, project: "p") == nil, "container events only")
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
