import SkiffOCI
import Testing

@testable import SkiffRuntime

/// Specs that cannot be run: planning refuses them, naming the field, before anything is made.
@Suite("Launch plans: refused specs")
struct LaunchPlanErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var change: @Sendable (inout Spec) -> Void
        var message: String
        var testDescription: String { name }
    }

    static let base = Spec(
        process: Process(user: User(uid: 0, gid: 0), args: ["sh"], cwd: "/"),
        root: Root(path: "/r"),
        mounts: [Mount(destination: "/proc", type: "proc", source: "proc")],
        linux: Linux(namespaces: [LinuxNamespace(type: "mount"), LinuxNamespace(type: "pid")]))

    static let cases: [Case] = [
        Case(name: "no process", change: { $0.process = nil }, message: "process: missing (what to run)"),
        Case(name: "empty args", change: { $0.process?.args = [] }, message: "process.args: no command to run"),
        Case(
            name: "relative cwd", change: { $0.process?.cwd = "home" },
            message: "process.cwd: \"home\" is not an absolute path"),
        Case(
            name: "masked paths without a mount namespace",
            change: {
                $0.linux?.namespaces = [LinuxNamespace(type: "pid")]
                $0.linux?.maskedPaths = ["/proc/kcore"]
            },
            message:
                "linux.maskedPaths: unable to restrict sys entries (maskedPaths, readonlyPaths) without a private mount namespace"
        ),
        Case(
            name: "read-only rootfs without a mount namespace",
            change: {
                $0.linux?.namespaces = [LinuxNamespace(type: "pid")]
                $0.root?.readonly = true
            }, message: "root.readonly: a read-only rootfs needs a private mount namespace"),
        Case(
            name: "namespace twice", change: { $0.linux?.namespaces?.append(LinuxNamespace(type: "pid")) },
            message: "namespace \"pid\" is listed twice"),
        Case(
            name: "unknown namespace", change: { $0.linux?.namespaces?.append(LinuxNamespace(type: "pids")) },
            message: "unknown namespace type \"pids\""),
        Case(
            name: "hostname without uts", change: { $0.hostname = "h" },
            message: "hostname: setting a hostname needs a uts namespace"),
        Case(
            name: "user namespace without maps", change: { $0.linux?.namespaces?.append(LinuxNamespace(type: "user")) },
            message: "linux.uidMappings: a new user namespace needs uidMappings and gidMappings"),
        Case(name: "no root", change: { $0.root = nil }, message: "root.path: missing"),
        Case(
            name: "rootfs missing", change: { $0.root?.path = "/elsewhere" },
            message: "root.path: rootfs /elsewhere does not exist or is not a directory"),
        Case(
            name: "rootfs is a file", change: { $0.root?.path = "/file" },
            message: "root.path: rootfs /file does not exist or is not a directory"),
        Case(
            name: "relative destination", change: { $0.mounts = [Mount(destination: "tmp", type: "tmpfs")] },
            message: "mounts[0].destination: \"tmp\" is not an absolute path"),
        Case(
            name: "destination with ..", change: { $0.mounts?.append(Mount(destination: "/a/../etc", type: "tmpfs")) },
            message: "mounts[1].destination: \"/a/../etc\" contains \"..\""),
        Case(
            name: "bind without source", change: { $0.mounts = [Mount(destination: "/d", type: "bind")] },
            message: "mounts[0].source: a bind mount needs a source"),
        Case(
            name: "bind source missing",
            change: { $0.mounts = [Mount(destination: "/d", source: "/srv/gone", options: ["rbind"])] },
            message: "mounts[0].source: bind source /srv/gone for /d: "),
        Case(
            name: "no filesystem type", change: { $0.mounts = [Mount(destination: "/d", source: "x")] },
            message: "mounts[0].type: missing filesystem type for /d"),
        Case(
            name: "device outside /dev",
            change: { $0.linux?.devices = [LinuxDevice(path: "/tmp/null", type: "c", major: 1, minor: 3)] },
            message: "linux.devices[0].path: \"/tmp/null\" is not under /dev"),
        Case(
            name: "unknown device type",
            change: { $0.linux?.devices = [LinuxDevice(path: "/dev/x", type: "x", major: 1, minor: 3)] },
            message: "linux.devices[0].type: unknown device type \"x\""),
        Case(
            name: "device without numbers", change: { $0.linux?.devices = [LinuxDevice(path: "/dev/sda", type: "b")] },
            message: "linux.devices[0]: device /dev/sda needs major and minor numbers"),
        Case(
            name: "unknown rlimit",
            change: { $0.process?.rlimits = [POSIXRlimit(type: "RLIMIT_FOO", hard: 1, soft: 1)] },
            message: "process.rlimits: unknown rlimit type \"RLIMIT_FOO\""),
        Case(
            name: "soft above hard",
            change: { $0.process?.rlimits = [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1, soft: 2)] },
            message: "RLIMIT_NOFILE: soft limit 2 is above hard limit 1"),
        Case(
            name: "bad root propagation", change: { $0.linux?.rootfsPropagation = "everywhere" },
            message: "linux.rootfsPropagation: unknown propagation \"everywhere\""),
        Case(
            name: "overlay without lowerdir",
            change: { $0.annotations = [SkiffAnnotations.rootfsOverlay: "upperdir=/u"] },
            message: "expected overlay options with lowerdir=…"),
        Case(
            name: "unknown capability", change: { $0.process?.capabilities = LinuxCapabilities(bounding: ["CAP_FLY"]) },
            message: "unknown capability \"CAP_FLY\" in process.capabilities.bounding"),
        Case(
            name: "effective not permitted",
            change: { $0.process?.capabilities = LinuxCapabilities(effective: ["CAP_KILL"], permitted: []) },
            message: "process.capabilities.effective has CAP_KILL"),
    ]

    @Test(arguments: cases)
    func refused(_ c: Case) {
        var spec = Self.base
        c.change(&spec)
        let facts = PlanFixtures.v2Host(directories: ["/r"], files: ["/file"])
        do {
            let plan = try PlanFixtures.planner(bundle: "/b").plan(spec, facts: facts)
            Issue.record("planned instead of refusing: \(plan.config.argv)")
        } catch {
            #expect("\(error)".contains(c.message), "\(error)")
        }
    }

    @Test func theBaseSpecPlans() throws {
        _ = try PlanFixtures.planner(bundle: "/b").plan(Self.base, facts: PlanFixtures.v2Host(directories: ["/r"]))
    }
}
