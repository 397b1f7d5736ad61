import Foundation
import SkiffRuntime
import Testing

@testable import SkiffKit

/// `scale:` / `deploy.replicas:` parsed and checked as Docker Compose checks them, which containers
/// scaling keeps, removes and adds, `--scale` arguments, and host port ranges (each replica its own port).
@Suite("compose scale")
struct ComposeScaleTests {
    static func load(_ compose: String) throws(ComposeError) -> ComposeProject {
        let dir = NSTemporaryDirectory() + "compose-scale-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try? compose.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        return try ComposeLoader.load(ComposeLoadOptions(workingDirectory: dir, environment: [:]))
    }

    static func error(_ compose: String) -> String {
        do {
            _ = try load(compose)
            return "no error"
        } catch { return "\(error)" }
    }

    @Test(arguments: [
        ("scale: 3", 3), ("deploy: {replicas: 2}", 2), ("scale: 0", 0), ("scale: 4\n    deploy: {replicas: 4}", 4),
        ("labels: {a: b}", 1),
    ])
    func replicasFromEitherKey(line: String, replicas: Int) throws {
        let p = try Self.load("services:\n  web:\n    image: busybox\n    \(line)\n")
        #expect(p.service("web")?.replicas == replicas)
    }

    @Test(arguments: [
        (
            "scale: 2\n    deploy: {replicas: 3}",
            "compose.yaml: services.web: can't set distinct values on 'scale' and 'deploy.replicas'"
        ),
        (
            "deploy: {replicas: 3}\n    scale: 2",
            "compose.yaml: services.web: can't set distinct values on 'scale' and 'deploy.replicas'"
        ),
        (
            "scale: 2\n    container_name: fixed",
            "compose.yaml: services.scale: can't set container_name and web as container name must be unique"
        ),
        (
            "deploy: {replicas: 2}\n    container_name: fixed",
            "compose.yaml: services.deploy.replicas: can't set container_name and web as container name must be unique"
        ),
        ("scale: -1", "compose.yaml: services.web.scale: invalid value \"-1\""),
        ("scale: many", "compose.yaml: services.web.scale: invalid value \"many\""),
    ])
    func conflictsAreComposesErrors(line: String, expected: String) {
        let message = Self.error("services:\n  web:\n    image: busybox\n    \(line)\n")
        #expect(message.contains(expected), "\(message)")
    }

    @Test func containerNameWithOneReplicaIsFine() throws {
        let p = try Self.load("services:\n  web:\n    image: busybox\n    scale: 1\n    container_name: fixed\n")
        #expect(p.service("web")?.containerName == "fixed")
    }

    @Test func scaleIsNoPartOfTheConfigHash() throws {
        let one = try #require(try Self.load("services:\n  web:\n    image: busybox\n").service("web"))
        let three = try #require(try Self.load("services:\n  web:\n    image: busybox\n    scale: 3\n").service("web"))
        #expect(ComposeLabels.configHash(one, imageID: "i") == ComposeLabels.configHash(three, imageID: "i"))
    }

    @Test func configWritesScaleAndItLoadsBack() throws {
        let p = try Self.load("services:\n  web:\n    image: busybox\n    deploy: {replicas: 3}\n")
        let yaml = p.yaml()
        #expect(yaml.contains("scale: 3"), "\(yaml)")
        #expect(try Self.load(yaml).service("web")?.replicas == 3)
    }

    @Test(arguments: [
        ([], 3, ComposeScalePlan.Parts(keep: [], remove: [], create: [1, 2, 3])),
        ([1, 2, 3], 1, .init(keep: [1], remove: [3, 2], create: [])),
        ([1], 3, .init(keep: [1], remove: [], create: [2, 3])),
        ([1, 2, 3], 3, .init(keep: [1, 2, 3], remove: [], create: [])),
        ([2, 1, 3], 0, .init(keep: [], remove: [3, 2, 1], create: [])),
        // A gap (web-2 removed by hand): the kept ones stay, new ones come after the highest.
        ([1, 3], 3, .init(keep: [1, 3], remove: [], create: [4])),
        ([1, 3, 4], 2, .init(keep: [1, 3], remove: [4], create: [])),
    ])
    func planKeepsTheLowestAndAddsAfterTheHighest(existing: [Int], replicas: Int, expected: ComposeScalePlan.Parts) {
        let plan = ComposeScalePlan(existing: existing, replicas: replicas)
        #expect(ComposeScalePlan.Parts(keep: plan.keep, remove: plan.remove, create: plan.create) == expected)
    }

    @Test func scaleArguments() throws {
        #expect(try ComposeScaleArgument.parse(["web=3", "db=0", "web=2"], flag: "--scale") == ["web": 2, "db": 0])
        for bad in ["web", "web=", "=3", "web=-1", "web=x"] {
            #expect(throws: ComposeError.self) { try ComposeScaleArgument.parse([bad], flag: "--scale") }
        }
        do {
            _ = try ComposeScaleArgument.parse(["web=x"], flag: "--scale")
        } catch {
            #expect("\(error)" == "--scale web=x: expected SERVICE=NUM (NUM a whole number, 0 or more)")
        }
    }

    @Test func overridesAreCheckedAgainstTheProject() throws {
        let p = try Self.load(
            "services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n    container_name: thedb\n")
        #expect(try p.scaled(["web": 4]).service("web")?.replicas == 4)
        #expect(try p.scaled(["db": 1]).service("db")?.replicas == 1)
        #expect(throws: ComposeError.usage("no such service: nope")) { try p.scaled(["nope": 2]) }
        do {
            _ = try p.scaled(["db": 2])
            Issue.record("a container_name service scaled to 2")
        } catch {
            #expect("\(error)".contains("container_name \"thedb\" must be unique"), "\(error)")
        }
    }

    @Test func eachReplicaGetsItsOwnContainerName() throws {
        let p = try Self.load("name: demo\nservices:\n  web:\n    image: busybox\n    scale: 2\n")
        let web = try #require(p.service("web"))
        let wiring = ComposeWiring(project: p)
        let second = try wiring.runOptions(web, name: "demo-web-2", number: 2, configHash: "H")
        #expect(second.name == "demo-web-2")
        #expect(second.labels[ComposeLabels.number] == "2")
        #expect(second.networkAliases == ["web"], "every replica answers to the service name")
    }

    @Test(arguments: [
        ("\"8000-8005:80\"", "8000-8005:80"),
        ("\"127.0.0.1:8000-8005:80/udp\"", "127.0.0.1:8000-8005:80/udp"),
        ("{target: 80, published: \"9000-9001\"}", "9000-9001:80"),
        ("\"80\"", "80"),
        ("\"8080:80\"", "8080:80"),
    ])
    func hostRangesStayRanges(entry: String, flag: String) throws {
        let p = try Self.load("services:\n  web:\n    image: busybox\n    ports: [\(entry)]\n")
        #expect(p.service("web")?.ports.map(\.publishFlag) == [flag])
    }

    @Test func aHostRangeIsOneMappingThatPicksAtStart() throws {
        var expected = PortMapping(hostPort: 8000, containerPort: 80)
        expected.hostPortEnd = 8005
        #expect(try PortMapping.parse("8000-8005:80") == [expected])
    }

    /// Three replicas of `8000-8002:80`-style ranges: each claims a different port of the range; once
    /// every port is claimed the next one fails naming the range.
    @Test func replicasClaimDifferentPortsOfARange() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-unit-scale-ports-")
        defer { FileIO.removeTree(dir) }
        let store = NetworkStore(stateRoot: dir + "/state", hostDirectory: dir + "/host")
        let lock = try store.hostLock()
        defer { lock.unlock() }
        // Three consecutive free ports.
        var base: UInt16 = 0
        for _ in 0..<20 {
            guard let p = HostNetwork.probePort(ip: "127.0.0.1", port: 0, proto: "tcp"), p < 65000 else { continue }
            if (0..<3).allSatisfy({ HostNetwork.probePort(ip: "127.0.0.1", port: p + $0, proto: "tcp") != nil }) {
                base = p
                break
            }
        }
        try #require(base != 0, "no three free consecutive ports")
        var range = PortMapping(hostIP: "127.0.0.1", hostPort: base, containerPort: 80)
        range.hostPortEnd = base + 2
        var chosen: [UInt16] = []
        for id in ["replica1", "replica2", "replica3"] {
            // A claim is live while its container's network namespace file exists.
            try FileIO.makeDirectories((store.netnsPath(id) as NSString).deletingLastPathComponent)
            _ = FileManager.default.createFile(atPath: store.netnsPath(id), contents: nil)
            let claimed = try store.claimPorts([range], id: id)
            #expect(claimed.count == 1 && claimed[0].hostPortEnd == nil)
            chosen.append(claimed[0].hostPort)
        }
        #expect(chosen == [base, base + 1, base + 2])
        _ = FileManager.default.createFile(atPath: store.netnsPath("replica4"), contents: nil)
        #expect { try store.claimPorts([range], id: "replica4") } throws: { error in
            "\(error)".contains(
                "Bind for 127.0.0.1:\(base)-\(base + 2) failed: every port of the range is already allocated")
        }
        // A fixed port taken by replica1: Docker's "port is already allocated".
        let fixed = PortMapping(hostIP: "127.0.0.1", hostPort: base, containerPort: 80)
        #expect { try store.claimPorts([fixed], id: "replica4") } throws: { error in
            "\(error)".contains("Bind for 127.0.0.1:\(base) failed: port is already allocated")
        }
    }
}

extension ComposeScalePlan {
    /// The plan's three lists, for comparing in tests.
    struct Parts: Equatable, Sendable {
        var keep: [Int]
        var remove: [Int]
        var create: [Int]
    }
}
