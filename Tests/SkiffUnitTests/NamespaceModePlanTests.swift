import Foundation
import SkiffKit
import SkiffOCI
import SkiffRuntime
import Testing

/// `--pid`, `--ipc`, `--uts`, `--cgroupns` as values: parsing with Docker's accepted spellings, what each
/// mode does to the spec Docker's defaults give (planned from host facts, no root), and compose's keys
/// mapped onto them.
@Suite struct NamespaceModePlanTests {
    static func spec() -> Spec { DockerDefaults.spec(rootfs: "/r", args: ["sh"], hostname: "abc") }
    static func types(_ spec: Spec) -> Set<String> { Set((spec.linux?.namespaces ?? []).map(\.type)) }
    static func shm(_ spec: Spec) -> Mount? { spec.mounts?.first { $0.destination == "/dev/shm" } }

    @Test func parsingTakesDockersValuesAndNamesTheFlag() throws {
        #expect(try NamespaceModes.PIDMode(parsing: "host") == .host)
        #expect(try NamespaceModes.PIDMode(parsing: "container:db") == .container("db"))
        #expect(try NamespaceModes.PIDMode(parsing: "") == .private)
        #expect(throws: KitError.self) { try NamespaceModes.PIDMode(parsing: "private") }
        do {
            _ = try NamespaceModes.PIDMode(parsing: "container:")
            Issue.record("container: without a name was taken")
        } catch { #expect("\(error)".contains("--pid container:")) }
        for (text, mode) in [
            ("", NamespaceModes.IPCMode.private), ("private", .private), ("shareable", .shareable), ("host", .host),
            ("none", .none), ("container:x", .container("x")),
        ] {
            #expect(try NamespaceModes.IPCMode(parsing: text) == mode)
        }
        do {
            _ = try NamespaceModes.IPCMode(parsing: "sharable")
            Issue.record("a misspelt mode was taken")
        } catch { #expect("\(error)".hasPrefix("--ipc \"sharable\": invalid IPC mode")) }
        #expect(try NamespaceModes.UTSMode(parsing: "host") == .host)
        #expect(throws: KitError.self) { try NamespaceModes.UTSMode(parsing: "container:x") }
        #expect(try NamespaceModes.CgroupnsMode.parse("") == nil)
        #expect(try NamespaceModes.CgroupnsMode.parse("host") == .host)
        #expect(throws: KitError.self) { try NamespaceModes.CgroupnsMode.parse("shared") }

        var modes = NamespaceModes()
        modes.uts = .host
        #expect(throws: KitError.self) { try modes.validate(hostname: "h") }
        try modes.validate(hostname: nil)
    }

    @Test func modesAreKeptAsDockerSpellsThem() throws {
        var modes = NamespaceModes()
        modes.pid = .container("db")
        modes.ipc = .none
        modes.uts = .host
        modes.cgroupns = .private
        let json = String(decoding: try JSONEncoder().encode(modes), as: UTF8.self)
        #expect(json.contains("\"pid\":\"container:db\"") && json.contains("\"ipc\":\"none\""))
        #expect(try JSONDecoder().decode(NamespaceModes.self, from: Data(json.utf8)) == modes)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(NamespaceModes.self, from: Data(#"{"pid":"nonsense"}"#.utf8))
        }
    }

    @Test func defaultsKeepEveryNamespaceAndFollowTheCgroupVersion() {
        var v2 = Self.spec()
        NamespacePlan.apply(NamespaceModes(), unifiedCgroups: true, shmDirectory: "/c/shm", to: &v2)
        #expect(Self.types(v2) == ["pid", "ipc", "uts", "mount", "network", "cgroup"])
        #expect(Self.shm(v2)?.type == "tmpfs" && v2.hostname == "abc")
        var v1 = Self.spec()
        NamespacePlan.apply(NamespaceModes(), unifiedCgroups: false, shmDirectory: "/c/shm", to: &v1)
        #expect(Self.types(v1) == ["pid", "ipc", "uts", "mount", "network"])
        var forced = NamespaceModes()
        forced.cgroupns = .private
        NamespacePlan.apply(forced, unifiedCgroups: false, shmDirectory: "/c/shm", to: &v1)
        #expect(Self.types(v1).contains("cgroup"))
        forced.cgroupns = .host
        NamespacePlan.apply(forced, unifiedCgroups: true, shmDirectory: "/c/shm", to: &v2)
        #expect(!Self.types(v2).contains("cgroup"))
    }

    @Test func hostModesDropTheirNamespace() {
        var modes = NamespaceModes()
        modes.pid = .host
        modes.uts = .host
        modes.ipc = .host
        var spec = Self.spec()
        NamespacePlan.apply(modes, unifiedCgroups: true, shmDirectory: "/c/shm", to: &spec)
        #expect(Self.types(spec) == ["mount", "network", "cgroup"])
        #expect(spec.hostname == nil, "a hostname without a uts namespace is refused by the runtime")
        #expect(
            Self.shm(spec)
                == Mount(destination: "/dev/shm", type: "bind", source: "/dev/shm", options: ["rbind", "rprivate"]))
        // /proc is still mounted: in the host's PID namespace it shows the host's processes.
        #expect(spec.mounts?.contains { $0.destination == "/proc" && $0.type == "proc" } == true)
    }

    @Test func ipcNoneShareableAndContainerPlanDevShm() throws {
        var none = Self.spec()
        var modes = NamespaceModes()
        modes.ipc = .none
        NamespacePlan.apply(modes, unifiedCgroups: true, shmDirectory: "/c/shm", to: &none)
        #expect(Self.shm(none) == nil && Self.types(none).contains("ipc"))
        #expect(NamespacePlan.sharedShm(of: none) == nil)

        var shareable = Self.spec()
        modes.ipc = .shareable
        var sized = ContainerResourceOptions()
        sized.shmSize = 1 << 20
        sized.apply(to: &shareable)
        NamespacePlan.apply(modes, unifiedCgroups: true, shmDirectory: "/c/shm", to: &shareable)
        #expect(Self.shm(shareable)?.source == "/c/shm" && Self.shm(shareable)?.type == "bind")
        #expect(shareable.annotations?[NamespacePlan.shmTmpfsAnnotation] == "mode=1777,size=1048576")
        #expect(NamespacePlan.sharedShm(of: shareable) == "/c/shm")
        #expect(NamespacePlan.sharedShm(of: Self.spec()) == nil, "a private /dev/shm is not shareable")

        var joiner = Self.spec()
        modes.ipc = .container("a")
        modes.pid = .container("a")
        NamespacePlan.apply(modes, unifiedCgroups: true, shmDirectory: "/j/shm", to: &joiner)
        #expect(Self.shm(joiner) == nil, "the donor's /dev/shm comes at start")
        NamespacePlan.join(
            .init(pidNamespace: "/proc/7/ns/pid", ipcNamespace: "/proc/7/ns/ipc", shmSource: "/c/shm"), to: &joiner)
        let paths = Dictionary(uniqueKeysWithValues: (joiner.linux?.namespaces ?? []).map { ($0.type, $0.path) })
        #expect(paths["pid"] == "/proc/7/ns/pid" && paths["ipc"] == "/proc/7/ns/ipc" && paths["uts"] == .some(nil))
        #expect(Self.shm(joiner)?.source == "/c/shm")
        // A second start (the donor restarted) replaces the paths, not adds to them.
        NamespacePlan.join(.init(pidNamespace: "/proc/9/ns/pid"), to: &joiner)
        #expect(joiner.linux?.namespaces?.filter { $0.type == "pid" }.map(\.path) == ["/proc/9/ns/pid"])
    }

    @Test func composeServiceKeysBecomeTheModesAndADependency() throws {
        let base = NSTemporaryDirectory() + "compose-ns-\(UUID().uuidString)"
        let dir = base + "/proj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try """
        services:
          side:
            image: busybox
            pid: "service:app"
            ipc: "service:app"
            uts: host
            cgroup: host
          app:
            image: busybox
            container_name: the-app
            ipc: shareable
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let project = try ComposeLoader.load(ComposeLoadOptions(workingDirectory: dir, environment: [:]))
        let side = try #require(project.service("side"))
        #expect(side.dependsOn.map(\.service) == ["app"])
        let options = try ComposeWiring(project: project).runOptions(
            side, name: "proj-side-1", number: 1, configHash: "H")
        var expected = NamespaceModes()
        expected.pid = .container("the-app")
        expected.ipc = .container("the-app")
        expected.uts = .host
        expected.cgroupns = .host
        #expect(options.namespaces == expected)
    }
}
