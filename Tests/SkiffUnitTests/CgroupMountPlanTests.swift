import SkiffOCI
import Testing

@testable import SkiffRuntime

/// A spec's `cgroup` mount on each host layout, with and without a cgroup namespace: mounted fresh in
/// one, the container's own directories bound without one (never the host's whole tree).
@Suite("Launch plans: the cgroup mount per host")
struct CgroupMountPlanTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var layout: CgroupLayout?
        var paths: [String: String]
        var cgroupNamespace: Bool
        var options: [String] = ["ro", "nosuid"]
        var expected: [LaunchConfig.Mount]
        var testDescription: String { name }
    }

    static let roRemount = LaunchConfig.Mount(
        source: nil, target: "/sys/fs/cgroup", fstype: nil, data: nil,
        flags: MS.remount | MS.rdonly | MS.nosuid | MS.nodev | MS.noexec,
        targetKind: .none)
    static let tmpfs = LaunchConfig.Mount(
        source: "tmpfs", target: "/sys/fs/cgroup", fstype: "tmpfs", data: "mode=755",
        flags: MS.nosuid | MS.nodev | MS.noexec)

    static func bind(_ dir: String, at target: String, remount: UInt = MS.rdonly | MS.nosuid) -> LaunchConfig.Mount {
        .init(source: dir, target: target, fstype: nil, data: nil, flags: MS.bind | MS.rec, bindRemountFlags: remount)
    }

    static let cases: [Case] = [
        Case(
            name: "v2, cgroup namespace", layout: PlanFixtures.cgroupV2, paths: PlanFixtures.cgroupV2Paths,
            cgroupNamespace: true,
            expected: [
                .init(
                    source: "cgroup2", target: "/sys/fs/cgroup", fstype: "cgroup2", data: nil,
                    flags: MS.rdonly | MS.nosuid)
            ]),
        Case(
            name: "v2, host cgroup namespace", layout: PlanFixtures.cgroupV2, paths: PlanFixtures.cgroupV2Paths,
            cgroupNamespace: false,
            expected: [bind("/sys/fs/cgroup/skiff/c1", at: "/sys/fs/cgroup")]),
        Case(
            name: "v2, rw", layout: PlanFixtures.cgroupV2, paths: PlanFixtures.cgroupV2Paths,
            cgroupNamespace: false, options: ["rw", "nosuid"],
            expected: [bind("/sys/fs/cgroup/skiff/c1", at: "/sys/fs/cgroup", remount: MS.nosuid)]),
        Case(
            name: "hybrid, host cgroup namespace", layout: PlanFixtures.cgroupHybrid,
            paths: PlanFixtures.cgroupHybridPaths, cgroupNamespace: false,
            expected: [
                tmpfs,
                bind("/sys/fs/cgroup/cpu,cpuacct/skiff/c1", at: "/sys/fs/cgroup/cpu,cpuacct"),
                bind("/sys/fs/cgroup/memory/skiff/c1", at: "/sys/fs/cgroup/memory"),
                bind("/sys/fs/cgroup/pids/skiff/c1", at: "/sys/fs/cgroup/pids"),
                bind("/sys/fs/cgroup/unified/skiff/c1", at: "/sys/fs/cgroup/unified"),
                roRemount,
            ]),
        Case(
            name: "pure v1 in a cgroup namespace, rw", layout: .v1(hierarchies: ["memory": "/sys/fs/cgroup/memory"]),
            paths: ["memory": "/sys/fs/cgroup/memory/skiff/c1"], cgroupNamespace: true, options: ["nosuid"],
            expected: [
                tmpfs,
                .init(
                    source: "cgroup", target: "/sys/fs/cgroup/memory", fstype: "cgroup", data: "memory",
                    flags: MS.nosuid),
            ]),
        Case(name: "no cgroup manager", layout: nil, paths: [:], cgroupNamespace: false, expected: [tmpfs, roRemount]),
    ]

    @Test(arguments: cases)
    func cgroupMount(_ c: Case) throws {
        var namespaces = [LinuxNamespace(type: "mount")]
        if c.cgroupNamespace { namespaces.append(LinuxNamespace(type: "cgroup")) }
        let spec = Spec(
            process: Process(args: ["sh"], cwd: "/"), root: Root(path: "/r"),
            mounts: [Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: c.options)],
            linux: Linux(namespaces: namespaces))
        let facts = HostFacts(lastCap: 40, cgroupLayout: c.layout, cgroupPaths: c.paths, paths: ["/r": .directory])
        let mounts = try PlanFixtures.planner(bundle: "/b").plan(spec, facts: facts).config.mounts
        #expect(mounts == c.expected, Comment(rawValue: StructuralDiff.report(mounts, c.expected, path: "mounts")))
    }

    @Test func hostPathsAreTheRootfsAndBindSources() {
        let spec = Spec(
            root: Root(path: "rootfs"),
            mounts: [
                Mount(destination: "/proc", type: "proc", source: "proc"),
                Mount(destination: "/a", type: "bind", source: "/srv/a"),
                Mount(destination: "/b", type: "none", source: "b.conf", options: ["rbind"]),
                Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["bind"]),
                Mount(destination: "/t", type: "tmpfs", source: "tmpfs"),
            ])
        #expect(RootfsPlanner.hostPaths(of: spec, bundle: "/bundle") == ["/bundle/rootfs", "/srv/a", "/bundle/b.conf"])
    }
}
