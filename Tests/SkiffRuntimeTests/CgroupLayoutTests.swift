import Testing

@testable import SkiffRuntime

@Suite("Cgroup layout detection")
struct CgroupLayoutTests {
    static let pureV2 = """
        22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        25 22 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
        27 22 0:5 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
        """

    static let pureV1 = """
        22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        30 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
        31 30 0:27 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
        34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct
        35 30 0:31 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory
        36 30 0:32 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,pids
        37 30 0:33 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,net_cls,net_prio
        38 30 0:34 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,cpuset,clone_children
        """

    /// `grep cgroup /proc/self/mountinfo` on the Skiff development machine.
    static let thisMachineHybrid = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
        37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
        38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """

    @Test func pureV2() throws {
        let layout = try CgroupLayout.parse(mountinfo: Self.pureV2)
        #expect(layout == .v2(root: "/sys/fs/cgroup"))
        #expect(layout.unifiedMount == "/sys/fs/cgroup")
        #expect(layout.v1Hierarchies.isEmpty)
        #expect(layout.name == "v2")
    }

    @Test func pureV1WithCoMountedControllers() throws {
        let layout = try CgroupLayout.parse(mountinfo: Self.pureV1)
        #expect(
            layout
                == .v1(hierarchies: [
                    "cpu": "/sys/fs/cgroup/cpu,cpuacct",
                    "cpuacct": "/sys/fs/cgroup/cpu,cpuacct",
                    "memory": "/sys/fs/cgroup/memory",
                    "pids": "/sys/fs/cgroup/pids",
                    "net_cls": "/sys/fs/cgroup/net_cls,net_prio",
                    "net_prio": "/sys/fs/cgroup/net_cls,net_prio",
                    "cpuset": "/sys/fs/cgroup/cpuset",
                ]))
        // name=systemd is a named hierarchy, not a controller; xattr/clone_children are options.
        #expect(layout.v1Hierarchies["name=systemd"] == nil)
        #expect(layout.v1Hierarchies["systemd"] == nil)
        #expect(layout.unifiedMount == nil)
    }

    @Test func thisMachineIsHybrid() throws {
        let layout = try CgroupLayout.parse(mountinfo: Self.thisMachineHybrid)
        var expected: [String: String] = [:]
        for c in ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"] {
            expected[c] = "/sys/fs/cgroup/" + c
        }
        #expect(layout == .hybrid(hierarchies: expected, unified: "/sys/fs/cgroup/unified"))
        #expect(layout.unifiedMount == "/sys/fs/cgroup/unified")
        #expect(layout.name == "hybrid")
    }

    @Test func noCgroupMountIsAnError() {
        #expect(throws: CgroupError.noCgroupFilesystem) {
            try CgroupLayout.parse(mountinfo: "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n")
        }
        #expect(throws: CgroupError.noCgroupFilesystem) { try CgroupLayout.parse(mountinfo: "") }
    }

    @Test func escapedMountPointAndOptionalFields() throws {
        let text = "40 30 0:40 / /tmp/my\\040cgroups rw,relatime shared:3 master:1 - cgroup2 none rw\n"
        #expect(try CgroupLayout.parse(mountinfo: text) == .v2(root: "/tmp/my cgroups"))
    }

    @Test func fullHierarchyMountPreferredOverBindOfASubtree() throws {
        let text = """
            50 30 0:32 /docker/abc /mnt/sub rw,relatime - cgroup cgroup rw,memory
            51 30 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            """
        #expect(try CgroupLayout.parse(mountinfo: text) == .v1(hierarchies: ["memory": "/sys/fs/cgroup/memory"]))
    }

    @Test func onlyTheFilesystemTypeAfterTheSeparatorCounts() throws {
        // A tmpfs mounted at a path spelled like a separator (escaped, as the kernel writes it), a source
        // named "cgroup", and a cgroup2 mount among many namespace files: only the cgroup2 line counts.
        var text = """
            60 30 0:50 / /srv/a\\040-\\040cgroup rw - tmpfs cgroup rw
            61 30 0:51 / /srv/b rw shared:4 - ext4 cgroup rw,cgroup
            62 30 0:52 / /sys/fs/cgroup rw,nosuid shared:5 - cgroup2 cgroup2 rw

            """
        for i in 0..<200 { text += "\(100 + i) 30 0:4 net:[40265\(i)] /run/netns/c\(i) rw shared:9 - nsfs nsfs rw\n" }
        #expect(try CgroupLayout.parse(mountinfo: text) == .v2(root: "/sys/fs/cgroup"))
        for line in text.split(separator: "\n") {
            #expect(CgroupLayout.mayBeCgroupMount(line.utf8) == line.hasPrefix("62 "), "\(line)")
        }
    }

    @Test func layoutIsCodable() throws {
        let layout = try CgroupLayout.parse(mountinfo: Self.thisMachineHybrid)
        #expect(try CgroupTestSupport.jsonRoundTrip(layout) == layout)
    }

    @Test func unifiedModeIsTheFilesystemAtTheMountPoint() throws {
        let layout = try CgroupLayout.detect()
        #expect(CgroupLayout.isUnifiedMode() == (layout == .v2(root: "/sys/fs/cgroup")))
        if let unified = layout.unifiedMount { #expect(CgroupLayout.isUnifiedMode(at: unified)) }
        for hierarchy in layout.v1Hierarchies.values { #expect(!CgroupLayout.isUnifiedMode(at: hierarchy)) }
        #expect(!CgroupLayout.isUnifiedMode(at: "/proc"))
        #expect(!CgroupLayout.isUnifiedMode(at: "/nonexistent"))
    }

    @Test func detectReadsTheRealMountinfo() throws {
        let layout = try CgroupLayout.detect()
        let text = try FileIO.readString("/proc/self/mountinfo")
        #expect(layout == (try CgroupLayout.parse(mountinfo: text)))
        #expect(throws: CgroupError.self) { try CgroupLayout.detect(mountinfoPath: "/nonexistent/mountinfo") }
    }
}
