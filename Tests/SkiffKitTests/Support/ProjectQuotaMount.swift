import Foundation
import SkiffSystem
import SkiffTestSupport

/// A small ext4 filesystem with project quotas (`mkfs.ext4 -O quota,project`), in a sparse file on a
/// loop device mounted `prjquota` under /tmp: a state root on it can enforce `--storage-opt size=`.
/// `tearDown` unmounts it, detaches the loop device and removes the files.
final class ProjectQuotaMount {
    let directory: String
    let mountPoint: String
    private(set) var device = ""

    /// Whether this kernel mounts such a filesystem at all (ext4's project quotas need CONFIG_QUOTA and
    /// CONFIG_QFMT_V2), tried once per test process.
    static let kernelMountsIt: Bool = {
        guard getuid() == 0, TestShell.has("mkfs.ext4"), TestShell.has("losetup") else { return false }
        guard let probe = try? ProjectQuotaMount() else { return false }
        probe.tearDown()
        return true
    }()

    init() throws {
        directory = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-quota-fs-")
        mountPoint = directory + "/mnt"
        let image = directory + "/fs.img"
        let made = TestShell.run(
            "truncate -s 128M '\(image)' && mkfs.ext4 -q -O quota,project '\(image)' && mkdir '\(mountPoint)'")
        guard made.status == 0 else { throw Failure("mkfs: \(made.output)", self) }
        let loop = TestShell.run("losetup --find --show '\(image)'")
        guard loop.status == 0 else { throw Failure("losetup: \(loop.output)", self) }
        device = loop.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let mounted = TestShell.run("mount -o prjquota '\(device)' '\(mountPoint)'")
        guard mounted.status == 0 else { throw Failure("mount -o prjquota: \(mounted.output)", self) }
    }

    func tearDown() {
        if TestShell.run("umount '\(mountPoint)'").status != 0 { TestShell.run("umount -l '\(mountPoint)'") }
        if !device.isEmpty { TestShell.run("losetup -d '\(device)'") }
        device = ""
        FileIO.removeTree(directory)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ text: String, _ mount: ProjectQuotaMount) {
            description = text
            mount.tearDown()
        }
    }
}
