import SkiffOCI
import Testing

@testable import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Spec + host facts → the exact plan the C shim gets. Each case writes the whole expected plan; a
/// mismatch lists the differing fields.
@Suite("Launch plans (golden)")
struct LaunchPlanGoldenTests {
    static func expectPlan(
        _ actual: PlannedLaunch, _ expected: PlannedLaunch,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            actual == expected, Comment(rawValue: StructuralDiff.report(actual, expected)),
            sourceLocation: sourceLocation)
    }

    /// `skiff oci spec` unchanged (runc's example config.json), on a cgroup v2 host.
    @Test func runcDefaultSpecOnCgroupV2() throws {
        let spec = RuncSpecTemplate.spec()
        let facts = PlanFixtures.v2Host(directories: ["/bundle/rootfs"])
        let planned = try PlanFixtures.planner(bundle: "/bundle").plan(spec, facts: facts)

        var c = LaunchConfig()
        c.cloneFlags =
            NamespaceKind.pid.cloneFlag | NamespaceKind.network.cloneFlag | NamespaceKind.ipc.cloneFlag
            | NamespaceKind.uts.cloneFlag | NamespaceKind.mount.cloneFlag
        c.loopbackUp = true
        c.unshareCgroup = true
        c.rootfs = "/bundle/rootfs"
        c.rootfsPropagation = MS.slave | MS.rec
        c.rootReadonly = true
        c.mounts = [
            .init(source: "proc", target: "/proc", fstype: "proc", data: nil, flags: 0),
            .init(
                source: "tmpfs", target: "/dev", fstype: "tmpfs", data: "mode=755,size=65536k",
                flags: MS.nosuid | MS.strictatime),
            .init(
                source: "devpts", target: "/dev/pts", fstype: "devpts",
                data: "newinstance,ptmxmode=0666,mode=0620,gid=5", flags: MS.nosuid | MS.noexec),
            .init(
                source: "shm", target: "/dev/shm", fstype: "tmpfs", data: "mode=1777,size=65536k",
                flags: MS.nosuid | MS.noexec | MS.nodev),
            .init(
                source: "mqueue", target: "/dev/mqueue", fstype: "mqueue", data: nil,
                flags: MS.nosuid | MS.noexec | MS.nodev),
            .init(
                source: "sysfs", target: "/sys", fstype: "sysfs", data: nil,
                flags: MS.nosuid | MS.noexec | MS.nodev | MS.rdonly),
            // A cgroup namespace: cgroup2 mounted fresh, read-only as the spec says.
            .init(
                source: "cgroup2", target: "/sys/fs/cgroup", fstype: "cgroup2", data: nil,
                flags: MS.nosuid | MS.noexec | MS.nodev | MS.relatime | MS.rdonly),
        ]
        c.devices = PlanFixtures.defaultDevices(bindFromHost: false)
        c.symlinks = PlanFixtures.devSymlinks
        c.maskedPaths = [
            "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
            "/sys/devices/virtual/tpm",
        ]
        c.readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        c.hostname = "skiff"
        c.argv = ["sh"]
        c.env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"]
        c.rlimits = [.init(resource: 7, soft: 1024, hard: 1024)]
        c.noNewPrivileges = true
        let caps = CapabilitySet([.auditWrite, .kill, .netBindService])
        c.capabilities = CapabilityMasks(bounding: caps, effective: caps, permitted: caps, lastCap: 40)
        Self.expectPlan(planned, PlannedLaunch(config: c))
    }

    /// `skiff run`'s starting point (Docker's defaults) on a hybrid cgroup v1 host: in a cgroup namespace
    /// every hierarchy the container has a cgroup in is mounted fresh under a tmpfs, then made read-only.
    @Test func dockerDefaultsOnCgroupV1() throws {
        var spec = DockerDefaults.spec(
            rootfs: "/var/lib/skiff/c1/rootfs", args: ["nginx", "-g", "daemon off;"],
            hostname: "web")
        // DockerDefaults clamps RLIMIT_NOFILE to this host's limit (tested in HostLimitsTests); fix it here.
        spec.process?.rlimits = [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1_048_576, soft: 1_048_576)]
        let facts = PlanFixtures.hybridHost(directories: ["/var/lib/skiff/c1/rootfs"])
        let planned = try PlanFixtures.planner(bundle: "/var/lib/skiff/c1").plan(spec, facts: facts)

        var c = LaunchConfig()
        c.cloneFlags =
            NamespaceKind.pid.cloneFlag | NamespaceKind.ipc.cloneFlag | NamespaceKind.uts.cloneFlag
            | NamespaceKind.mount.cloneFlag | NamespaceKind.network.cloneFlag
        c.loopbackUp = true
        c.unshareCgroup = true
        c.rootfs = "/var/lib/skiff/c1/rootfs"
        c.rootfsPropagation = MS.slave | MS.rec
        let cgroupFlags = MS.rdonly | MS.nosuid | MS.noexec | MS.nodev
        c.mounts = [
            .init(source: "proc", target: "/proc", fstype: "proc", data: nil, flags: MS.nosuid | MS.noexec | MS.nodev),
            .init(
                source: "tmpfs", target: "/dev", fstype: "tmpfs", data: "mode=755,size=65536k",
                flags: MS.nosuid | MS.strictatime),
            .init(
                source: "devpts", target: "/dev/pts", fstype: "devpts",
                data: "newinstance,ptmxmode=0666,mode=0620,gid=5", flags: MS.nosuid | MS.noexec),
            .init(
                source: "sysfs", target: "/sys", fstype: "sysfs", data: nil,
                flags: MS.nosuid | MS.noexec | MS.nodev | MS.rdonly),
            .init(
                source: "tmpfs", target: "/sys/fs/cgroup", fstype: "tmpfs", data: "mode=755",
                flags: MS.nosuid | MS.nodev | MS.noexec),
            .init(
                source: "cgroup", target: "/sys/fs/cgroup/cpu,cpuacct", fstype: "cgroup", data: "cpu,cpuacct",
                flags: cgroupFlags),
            .init(
                source: "cgroup", target: "/sys/fs/cgroup/memory", fstype: "cgroup", data: "memory", flags: cgroupFlags),
            .init(source: "cgroup", target: "/sys/fs/cgroup/pids", fstype: "cgroup", data: "pids", flags: cgroupFlags),
            .init(source: "cgroup", target: "/sys/fs/cgroup/unified", fstype: "cgroup2", data: nil, flags: cgroupFlags),
            .init(
                source: nil, target: "/sys/fs/cgroup", fstype: nil, data: nil,
                flags: MS.remount | MS.rdonly | MS.nosuid | MS.nodev | MS.noexec, targetKind: .none),
            .init(
                source: "mqueue", target: "/dev/mqueue", fstype: "mqueue", data: nil,
                flags: MS.nosuid | MS.noexec | MS.nodev),
            .init(
                source: "shm", target: "/dev/shm", fstype: "tmpfs", data: "mode=1777,size=65536k",
                flags: MS.nosuid | MS.noexec | MS.nodev),
        ]
        c.devices = PlanFixtures.defaultDevices(bindFromHost: false)
        c.symlinks = PlanFixtures.devSymlinks
        c.maskedPaths = [
            "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
            "/sys/devices/virtual/powercap",
        ]
        c.readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        c.hostname = "web"
        c.argv = ["nginx", "-g", "daemon off;"]
        c.env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=web"]
        c.rlimits = [.init(resource: 7, soft: 1_048_576, hard: 1_048_576)]
        let caps = CapabilitySet([
            .chown, .dacOverride, .fsetid, .fowner, .mknod, .netRaw, .setgid, .setuid,
            .setfcap, .setpcap, .netBindService, .sysChroot, .kill, .auditWrite,
        ])
        c.capabilities = CapabilityMasks(bounding: caps, effective: caps, permitted: caps, lastCap: 40)
        // The program is libseccomp's business (its bytes change with its version): the plan carries
        // exactly what the compiler makes of Docker's profile.
        c.seccomp = try SeccompCompiler.compileUncached(
            DefaultSeccompProfile.make(capabilities: DockerDefaults.capabilities))
        Self.expectPlan(planned, PlannedLaunch(config: c))
        #expect((planned.config.seccomp?.instructionCount ?? 0) > 100)
    }

    /// A rootless-style spec: a new user namespace with id maps, a non-root user, bind mounts of a
    /// directory and of a file given relative to the bundle, a device of its own.
    @Test func userNamespaceSpec() throws {
        let spec = try PlanFixtures.decode(
            """
            {
              "ociVersion": "1.2.0",
              "process": {
                "user": {"uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 18},
                "args": ["id", "-a"], "env": ["HOME=/home/u"], "cwd": "/home/u",
                "oomScoreAdj": 100,
                "rlimits": [{"type": "RLIMIT_NPROC", "hard": 200, "soft": 100}],
                "capabilities": {"bounding": ["CAP_KILL", "CAP_PERFMON"], "permitted": ["CAP_KILL", "CAP_PERFMON"],
                                 "effective": ["CAP_KILL"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}
              },
              "root": {"path": "/c/rootfs"},
              "hostname": "box",
              "mounts": [
                {"destination": "/proc", "type": "proc", "source": "proc"},
                {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "ro", "nosuid"]},
                {"destination": "/etc/resolv.conf", "type": "none", "source": "resolv.conf", "options": ["bind", "rprivate"]}
              ],
              "linux": {
                "namespaces": [{"type": "user"}, {"type": "mount"}, {"type": "pid"}, {"type": "uts"}],
                "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
                "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 65536}],
                "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 384}],
                "sysctl": {"kernel.shm_rmid_forced": "1", "fs.mqueue.msg_max": "100"}
              }
            }
            """)
        // An older kernel: cap_last_cap 37, so CAP_PERFMON (38) is left out.
        var facts = PlanFixtures.v2Host(directories: ["/c/rootfs", "/srv/data"], files: ["/c/resolv.conf"])
        facts.lastCap = 37
        let planned = try PlanFixtures.planner(bundle: "/c").plan(spec, facts: facts)

        var c = LaunchConfig()
        c.cloneFlags =
            NamespaceKind.user.cloneFlag | NamespaceKind.mount.cloneFlag | NamespaceKind.pid.cloneFlag
            | NamespaceKind.uts.cloneFlag
        c.rootfs = "/c/rootfs"
        c.rootfsPropagation = MS.slave | MS.rec
        c.mounts = [
            .init(source: "proc", target: "/proc", fstype: "proc", data: nil, flags: 0),
            .init(
                source: "/srv/data", target: "/data", fstype: nil, data: nil, flags: MS.bind | MS.rec,
                bindRemountFlags: MS.rdonly | MS.nosuid),
            .init(
                source: "/c/resolv.conf", target: "/etc/resolv.conf", fstype: nil, data: nil, flags: MS.bind,
                propagation: MS.private | MS.rec, targetKind: .file),
        ]
        // In a user namespace device nodes cannot be made: they are bound from the host.
        c.devices =
            [
                LaunchConfig.Device(
                    path: "/dev/fuse", mode: S_IFCHR | 0o600, major: 10, minor: 229,
                    bindFromHost: true)
            ]
            + PlanFixtures.defaultDevices(bindFromHost: true)
        c.hostname = "box"
        c.sysctls = [.init(path: "fs/mqueue/msg_max", value: "100"), .init(path: "kernel/shm_rmid_forced", value: "1")]
        c.argv = ["id", "-a"]
        c.env = ["HOME=/home/u"]
        c.cwd = "/home/u"
        c.uid = 1000
        c.gid = 1000
        c.stdioOwner = StdioOwner(uid: 101_000, gid: 201_000)  // the user, mapped to the host
        c.additionalGids = [10, 20]
        c.umask = 0o22
        c.oomScoreAdj = 100
        c.rlimits = [.init(resource: 6, soft: 100, hard: 200)]
        let kill = CapabilitySet([.kill])
        c.capabilities = CapabilityMasks(
            bounding: kill, effective: kill, permitted: kill, inheritable: kill,
            ambient: kill, lastCap: 37)
        Self.expectPlan(
            planned,
            PlannedLaunch(
                config: c,
                uidMappings: [LinuxIDMapping(containerID: 0, hostID: 100_000, size: 65536)],
                gidMappings: [LinuxIDMapping(containerID: 0, hostID: 200_000, size: 65536)]))
    }

    /// A read-only rootfs under an overlay, with masked and read-only paths, a domain name and shared
    /// propagation for "/"; no /dev mount, so no /dev links; a host without /proc/kcore.
    @Test func readonlyRootfsWithMaskedPaths() throws {
        var spec = try PlanFixtures.decode(
            """
            {
              "ociVersion": "1.2.0",
              "process": {"user": {"uid": 0, "gid": 0}, "args": ["/bin/true"], "cwd": "/", "noNewPrivileges": true},
              "root": {"path": "rootfs", "readonly": true},
              "hostname": "h", "domainname": "example.org",
              "mounts": [
                {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["rw", "nosuid", "nodev", "size=64m"]},
                {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec"]}
              ],
              "linux": {
                "namespaces": [{"type": "mount"}, {"type": "uts"}, {"type": "ipc"}],
                "rootfsPropagation": "shared",
                "maskedPaths": ["/proc/kcore", "/sys/firmware"],
                "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"]
              }
            }
            """)
        spec.annotations = [
            SkiffAnnotations.rootfsOverlay: "lowerdir=l1:l2,upperdir=/u,workdir=/w",
            SkiffAnnotations.rootfsOverlayDirectory: "/layers",
        ]
        var facts = PlanFixtures.v2Host(directories: ["/b/rootfs"])
        facts.hasProcKcore = false
        let planned = try PlanFixtures.planner(bundle: "/b").plan(spec, facts: facts)

        var c = LaunchConfig()
        c.cloneFlags = NamespaceKind.mount.cloneFlag | NamespaceKind.uts.cloneFlag | NamespaceKind.ipc.cloneFlag
        c.rootfs = "/b/rootfs"
        c.rootfsOverlayOptions = "lowerdir=l1:l2,upperdir=/u,workdir=/w"
        c.rootfsOverlayDirectory = "/layers"
        c.rootReadonly = true
        c.rootfsPropagation = MS.shared | MS.rec
        c.rootfsPropagationAfterPivot = MS.shared
        c.mounts = [
            .init(source: "tmpfs", target: "/tmp", fstype: "tmpfs", data: "size=64m", flags: MS.nosuid | MS.nodev),
            .init(source: "devpts", target: "/dev/pts", fstype: "devpts", data: nil, flags: MS.nosuid | MS.noexec),
        ]
        c.devices = PlanFixtures.defaultDevices(bindFromHost: false)
        c.symlinks = [.init(target: "pts/ptmx", link: "/dev/ptmx")]
        c.maskedPaths = ["/proc/kcore", "/sys/firmware"]
        c.readonlyPaths = ["/proc/sys", "/proc/sysrq-trigger"]
        c.hostname = "h"
        c.domainname = "example.org"
        c.argv = ["/bin/true"]
        c.noNewPrivileges = true
        c.capabilities = CapabilityMasks(lastCap: 40)
        Self.expectPlan(planned, PlannedLaunch(config: c))
    }

    /// A read-only tmpfs /dev is mounted rw and made read-only last (runc's order); "rro" is a recursive
    /// attribute, not tmpfs data; without a mount namespace the plan says so (mounts in the host's, chroot).
    @Test func readonlyDevRecursiveOptionsAndNoMountNamespace() throws {
        let spec = try PlanFixtures.decode(
            """
            {
              "ociVersion": "1.2.0",
              "process": {"user": {"uid": 0, "gid": 0}, "args": ["/bin/true"], "cwd": "/"},
              "root": {"path": "rootfs"},
              "mounts": [
                {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "nosuid", "mode=755"]},
                {"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["rro", "rnosuid"]}
              ],
              "linux": {"namespaces": [{"type": "pid"}]}
            }
            """)
        let planned = try PlanFixtures.planner(bundle: "/b").plan(
            spec, facts: PlanFixtures.v2Host(directories: ["/b/rootfs"]))
        let c = planned.config
        #expect(c.hostMountNamespace)
        #expect(c.mounts.count == 2)
        #expect(
            c.mounts[0]
                == LaunchConfig.Mount(
                    source: "tmpfs", target: "/dev", fstype: "tmpfs", data: "mode=755",
                    flags: MS.nosuid, readonlyLast: true))
        #expect(
            c.mounts[1]
                == LaunchConfig.Mount(
                    source: "tmpfs", target: "/data", fstype: "tmpfs", data: nil, flags: 0,
                    recursiveAttrSet: 0x3))
    }

    /// Namespaces joined by path are recorded, not opened: planning succeeds although none of the files
    /// exists here. Joining a user namespace made elsewhere leaves the groups alone and binds devices.
    @Test func joiningNamespacesByPath() throws {
        let spec = try PlanFixtures.decode(
            """
            {
              "ociVersion": "1.2.0",
              "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"},
              "root": {"path": "/r"},
              "linux": {
                "namespaces": [
                  {"type": "network", "path": "/run/netns/blue"},
                  {"type": "user", "path": "/proc/4242/ns/user"},
                  {"type": "mount"},
                  {"type": "ipc", "path": "/proc/4242/ns/ipc"},
                  {"type": "cgroup", "path": ""}
                ]
              }
            }
            """)
        let planned = try PlanFixtures.planner(bundle: "/b").plan(spec, facts: PlanFixtures.v2Host(directories: ["/r"]))

        var c = LaunchConfig()
        c.cloneFlags = NamespaceKind.mount.cloneFlag
        c.joins = [
            .init(path: "/run/netns/blue", kind: .network), .init(path: "/proc/4242/ns/user", kind: .user),
            .init(path: "/proc/4242/ns/ipc", kind: .ipc),
        ]
        c.unshareCgroup = true
        c.rootfs = "/r"
        c.rootfsPropagation = MS.slave | MS.rec
        c.devices = PlanFixtures.defaultDevices(bindFromHost: true)
        c.setGroups = false
        c.argv = ["sh"]
        c.capabilities = CapabilityMasks(lastCap: 40)
        Self.expectPlan(planned, PlannedLaunch(config: c))
    }

    /// The same spec plans the same way twice (nothing in a plan depends on when it is made).
    @Test func planningIsRepeatable() throws {
        let spec = DockerDefaults.spec(rootfs: "/r", args: ["sh"])
        let facts = PlanFixtures.v2Host(directories: ["/r"])
        let planner = PlanFixtures.planner(bundle: "/b")
        #expect(try planner.plan(spec, facts: facts) == planner.plan(spec, facts: facts))
    }
}
