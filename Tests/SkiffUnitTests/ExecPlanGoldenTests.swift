import Logging
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// Process + the container's spec + host facts → the exact LaunchConfig an exec gets. Nothing here reads
/// the machine the tests run on: the init's pid, the kernel's last capability and which namespaces the
/// caller shares are all given.
@Suite("Exec plans (golden)")
struct ExecPlanGoldenTests {
    static var planner: ExecPlanner {
        ExecPlanner(seccomp: SeccompCompiler(cacheDirectory: nil), logger: Logger(label: "skiff.unit-tests"))
    }

    static func expectPlan(
        _ actual: LaunchConfig, _ expected: LaunchConfig,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            actual == expected, Comment(rawValue: StructuralDiff.report(actual, expected)),
            sourceLocation: sourceLocation)
    }

    /// `skiff exec -u 1000 web id` into a container made from Docker's defaults: every namespace of the
    /// init joined in the spec's order, no capability left for a non-root user, the container's seccomp
    /// program, the stdio pipes given to uid 1000.
    @Test func nonRootUserInDockerDefaults() throws {
        let spec = DockerDefaults.spec(rootfs: "/var/lib/skiff/c1/rootfs", args: ["nginx"], hostname: "web")
        var process = try #require(spec.process)
        process.args = ["id"]
        process.user = User(uid: 1000, gid: 1000)
        process.rlimits = [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 4096, soft: 1024)]
        process.capabilities = LinuxCapabilities(
            bounding: ["CAP_CHOWN", "CAP_KILL"], effective: [], inheritable: [],
            permitted: [], ambient: [])
        let facts = ExecFacts(lastCap: 40, initPid: 4242)
        let planned = try Self.planner.plan(process, spec: spec, facts: facts)

        var c = LaunchConfig()
        c.rootfs = nil
        c.argv = ["id"]
        c.env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=web"]
        c.cwd = "/"
        c.uid = 1000
        c.gid = 1000
        c.rlimits = [.init(resource: 7, soft: 1024, hard: 4096)]
        c.setsid = false
        c.stdioOwner = StdioOwner(uid: 1000, gid: 1000)
        c.joins = ["pid", "ipc", "uts", "mnt", "net", "cgroup"].map { name in
            LaunchConfig.Join(
                path: "/proc/4242/ns/\(name)", kind: NamespaceKind.allCases.first { $0.procName == name }!)
        }
        c.setGroups = true
        c.capabilities = CapabilityMasks(bounding: CapabilitySet([.chown, .kill]), lastCap: 40)
        c.seccomp = try SeccompCompiler(cacheDirectory: nil).compile(try #require(spec.linux?.seccomp))
        Self.expectPlan(planned, c)
    }

    /// A container with a user namespace of its own (root inside is uid 100000 outside), `exec -t` as
    /// root: the user namespace is joined first as the spec lists it, setgroups stays allowed (this
    /// runtime wrote the maps), the terminal makes a session, and the pipes go to the mapped root.
    @Test func rootWithTerminalInUserNamespace() throws {
        let spec = Spec(
            process: Process(user: User(), args: ["sh"], cwd: "/"),
            root: Root(path: "rootfs"),
            linux: Linux(
                namespaces: [
                    LinuxNamespace(type: "user"), LinuxNamespace(type: "mount"),
                    LinuxNamespace(type: "pid"),
                ],
                uidMappings: [LinuxIDMapping(containerID: 0, hostID: 100_000, size: 65536)],
                gidMappings: [LinuxIDMapping(containerID: 0, hostID: 100_000, size: 65536)]))
        let process = Process(
            terminal: true, user: User(uid: 0, gid: 0, additionalGids: [10]), args: ["sh", "-l"],
            env: ["TERM=xterm"], cwd: "/root",
            capabilities: .uniform(["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]))
        let planned = try Self.planner.plan(process, spec: spec, facts: ExecFacts(lastCap: 40, initPid: 77))

        var c = LaunchConfig()
        c.rootfs = nil
        c.argv = ["sh", "-l"]
        c.env = ["TERM=xterm"]
        c.cwd = "/root"
        c.additionalGids = [10]
        c.setsid = true
        c.stdioOwner = StdioOwner(uid: 100_000, gid: 100_000)
        c.joins = [
            .init(path: "/proc/77/ns/user", kind: .user), .init(path: "/proc/77/ns/mnt", kind: .mount),
            .init(path: "/proc/77/ns/pid", kind: .pid),
        ]
        c.setGroups = true
        let caps = CapabilitySet([.sysAdmin, .netAdmin])
        c.capabilities = CapabilityMasks(bounding: caps, effective: caps, permitted: caps, lastCap: 40)
        Self.expectPlan(planned, c)
    }

    /// A namespace the container shares with the caller (`--network host`) is not joined, nor is the
    /// time namespace (an existing process cannot enter one); on an older kernel (cap_last_cap 38) the
    /// capabilities it lacks are left out rather than failing capset(2).
    @Test func sharedNamespacesAndOlderKernel() throws {
        let spec = Spec(
            process: Process(args: ["sh"], cwd: "/"), root: Root(path: "rootfs"),
            linux: Linux(namespaces: [
                LinuxNamespace(type: "pid"), LinuxNamespace(type: "network"),
                LinuxNamespace(type: "time"), LinuxNamespace(type: "user"),
            ]))
        let process = Process(
            args: ["true"], cwd: "/",
            capabilities: .uniform(["CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]))
        let facts = ExecFacts(lastCap: 38, initPid: 9, sharedNamespaces: [.network])
        let planned = try Self.planner.plan(process, spec: spec, facts: facts)

        #expect(
            planned.joins == [.init(path: "/proc/9/ns/pid", kind: .pid), .init(path: "/proc/9/ns/user", kind: .user)])
        // A user namespace made by someone else (no mappings in the spec) may deny setgroups: groups are left.
        #expect(planned.setGroups == false)
        #expect(
            planned.capabilities
                == CapabilityMasks(
                    bounding: CapabilitySet([.perfmon]), effective: CapabilitySet([.perfmon]),
                    permitted: CapabilitySet([.perfmon]), lastCap: 38))
        #expect(planned.seccomp == nil)
    }

    /// What the planner refuses, naming the field: a relative working directory, an unknown capability.
    @Test func refusals() throws {
        let spec = Spec(
            process: Process(args: ["sh"], cwd: "/"), root: Root(path: "rootfs"),
            linux: Linux(namespaces: [LinuxNamespace(type: "pid")]))
        let facts = ExecFacts(lastCap: 40, initPid: 1)
        #expect {
            try Self.planner.plan(Process(args: ["sh"], cwd: "tmp"), spec: spec, facts: facts)
        } throws: { "\($0)".contains("process.cwd") }
        #expect {
            try Self.planner.plan(
                Process(args: ["sh"], cwd: "/", capabilities: .uniform(["CAP_FLY"])),
                spec: spec, facts: facts)
        } throws: { "\($0)".contains("CAP_FLY") }
        #expect {
            try Self.planner.plan(Process(args: [], cwd: "/"), spec: spec, facts: facts)
        } throws: { "\($0)".contains("process.args") }
    }
}
