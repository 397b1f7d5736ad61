import Foundation
import SkiffKit
import SkiffSystem
import Testing

/// `--storage-opt size=` (compose `storage_opt:`) through the built CLI on a state root over ext4 mounted
/// with `prjquota`: the container's writable layer is held to the size, and `rm` clears its project's
/// limit. Runs only where the kernel mounts ext4 with project quotas (CONFIG_QUOTA and CONFIG_QFMT_V2).
@Suite(
    "--storage-opt size= enforced with project quotas", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && ProjectQuotaMount.kernelMountsIt))
struct StorageQuotaTests {
    @Test func sizeIsEnforcedAndClearedAtRemoval() throws {
        let fs = try ProjectQuotaMount()
        defer { fs.tearDown() }
        let root = try CLIRoot(prefix: "skiff-quota-", in: fs.mountPoint)
        defer { root.cleanUp() }
        func dd(_ megabytes: Int, _ options: [String]) -> CLIRoot.Result {
            root.skiff(
                ["run", "--rm", "--network", "none"] + options
                    + ["busybox", "sh", "-c", "dd if=/dev/zero of=/big bs=1M count=\(megabytes) && sync"])
        }
        let over = dd(4, ["--storage-opt", "size=2m"])
        #expect(over.status != 0 && over.err.contains("Disk quota exceeded"), "\(over)")
        let under = dd(1, ["--storage-opt", "size=2m"])
        #expect(under.status == 0, "\(under)")
        let unlimited = dd(4, [])
        #expect(unlimited.status == 0, "\(unlimited)")

        // A kept container: its upper and work directories share a project with the limit, which rm clears.
        let made = root.skiff("create", "--name", "q", "--network", "none", "--storage-opt", "size=2m", "busybox")
        #expect(made.status == 0, "\(made)")
        let id = root.inspect("q", "{{.Id}}")
        #expect(root.inspect("q", "{{json .HostConfig.StorageOpt}}") == #"{"size":"2m"}"#)
        let dir = root.path + "/containers/" + id
        let upper = try ProjectQuota.projectID(of: dir + "/upper")
        let work = try ProjectQuota.projectID(of: dir + "/work")
        #expect(upper.id != 0 && upper.inherits && work.id == upper.id && work.inherits, "\(upper) \(work)")
        let quota = try ProjectQuota(filesystemOf: fs.mountPoint)
        #expect(try quota.usage(project: upper.id)?.hardLimitBytes == 2 << 20)
        #expect(root.skiff("rm", "q").status == 0)
        let after = try quota.usage(project: upper.id)
        #expect(
            after == nil || after?.hardLimitBytes == 0 && after?.softLimitBytes == 0, "\(String(describing: after))")

        // compose storage_opt, once.
        let project = root.path + "/proj"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try """
        services:
          app:
            image: busybox
            network_mode: none
            storage_opt: {size: 2m}
            command: ["sh", "-c", "dd if=/dev/zero of=/big bs=1M count=4 && sync"]
        """.write(toFile: project + "/compose.yaml", atomically: true, encoding: .utf8)
        let up = root.skiff("compose", "-f", project + "/compose.yaml", "up")
        #expect((up.out + up.err).contains("Disk quota exceeded"), "\(up)")
        #expect(root.skiff("compose", "-f", project + "/compose.yaml", "down").status == 0)
    }
}

/// The project quota calls where the filesystem has no project quotas (ext4 without the feature, as /tmp
/// here): nothing is enforced, every directory is in project 0, a project ID cannot be set (an error
/// naming the ioctl and path), and the device node of quotactl's fallback is not left behind.
@Suite("project quota calls without project quotas", .enabled(if: getuid() == 0))
struct ProjectQuotaCallTests {
    @Test func answersWithoutProjectQuotas() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-quota-calls-")
        defer { FileIO.removeTree(dir) }
        let quota = try ProjectQuota(filesystemOf: dir)
        #expect(try !quota.isEnforced())
        let project = try ProjectQuota.projectID(of: dir)
        #expect(project.id == 0 && !project.inherits)
        do {
            try ProjectQuota.setProjectID(7, on: dir)
            Issue.record("a project ID was set on \(dir), which has no project quotas")
        } catch {
            #expect(error.errno == EOPNOTSUPP && "\(error)".contains("FS_IOC_FSSETXATTR project 7 \(dir)"), "\(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }
}
