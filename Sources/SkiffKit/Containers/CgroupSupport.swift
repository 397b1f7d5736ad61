import Foundation
import SkiffOCI
import SkiffRuntime
import SkiffSystem

/// What this host's cgroups can carry out of Docker's optional resource settings (Docker's sysinfo):
/// a setting the host lacks is discarded with Docker's warning rather than failing the container.
package struct CgroupSupport: Sendable, Equatable {
    /// v1 memory.swappiness (cgroup v2 has none).
    package var memorySwappiness = true
    /// v1 memory.oom_control (cgroup v2 has none).
    package var oomKillDisable = true
    /// blkio.weight / blkio.bfq.weight (v1), io.weight / io.bfq.weight (v2).
    package var blkioWeight = true
    /// The per-device forms of the weight.
    package var blkioWeightDevice = true

    package init(
        memorySwappiness: Bool = true, oomKillDisable: Bool = true, blkioWeight: Bool = true,
        blkioWeightDevice: Bool = true
    ) {
        self.memorySwappiness = memorySwappiness
        self.oomKillDisable = oomKillDisable
        self.blkioWeight = blkioWeight
        self.blkioWeightDevice = blkioWeightDevice
    }

    /// This host's, from its cgroup mounts (all supported when none can be read: the runtime reports it).
    package static func detect() -> CgroupSupport {
        guard let layout = try? CgroupLayout.detect() else { return CgroupSupport() }
        let v1 = layout.v1Hierarchies
        func has(_ dir: String?, _ files: [String]) -> Bool {
            guard let dir else { return false }
            return files.contains { FileIO.exists(dir + "/" + $0) }
        }
        if let memory = v1["memory"] {
            let blkio = v1["blkio"]
            return CgroupSupport(
                memorySwappiness: has(memory, ["memory.swappiness"]),
                oomKillDisable: has(memory, ["memory.oom_control"]),
                blkioWeight: has(blkio, ["blkio.weight", "blkio.bfq.weight"]),
                blkioWeightDevice: has(blkio, ["blkio.weight_device", "blkio.bfq.weight_device"]))
        }
        // cgroup v2, as Docker's sysinfo reads it: weights when the io controller is available.
        let controllers = layout.unifiedMount.flatMap { try? FileIO.readString($0 + "/cgroup.controllers") } ?? ""
        let io = controllers.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains("io")
        return CgroupSupport(memorySwappiness: false, oomKillDisable: false, blkioWeight: io, blkioWeightDevice: io)
    }
}

extension ContainerResourceOptions {
    /// These settings without what `support` says the host cannot do, with Docker's warning for each.
    package func discarding(unsupportedBy support: CgroupSupport) -> (ContainerResourceOptions, [String]) {
        var o = self
        var warnings: [String] = []
        if o.memorySwappiness != nil && !support.memorySwappiness {
            o.memorySwappiness = nil
            warnings.append(
                "WARNING: Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded."
            )
        }
        if o.oomKillDisable == true && !support.oomKillDisable {
            o.oomKillDisable = nil
            warnings.append("WARNING: Your kernel does not support OomKillDisable. OomKillDisable discarded.")
        }
        if (o.blockIO.weight ?? 0) != 0 && !support.blkioWeight {
            o.blockIO.weight = nil
            warnings.append(
                "WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded."
            )
        }
        if !o.blockIO.weightDevices.isEmpty && !support.blkioWeightDevice {
            o.blockIO.weightDevices = []
            warnings.append(
                "WARNING: Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded."
            )
        }
        return (o, warnings)
    }
}

extension Engine {
    /// `options` with the resource settings this host cannot carry out dropped, each with Docker's warning
    /// on stderr (and Docker's warning about disabling the OOM killer without a memory limit).
    func carryingOutResources(_ options: RunOptions) -> RunOptions {
        var o = options
        let r = o.resources
        // The host is read only when a setting it may lack is asked for (most runs ask for none).
        if r.memorySwappiness != nil || r.oomKillDisable == true || r.blockIO.weight != nil
            || !r.blockIO.weightDevices.isEmpty
        {
            let (resources, warnings) = r.discarding(unsupportedBy: .detect())
            o.resources = resources
            for w in warnings { FileHandleStderrShim.warn(w) }
        }
        if o.resources.oomKillDisable == true && o.memory == nil {
            FileHandleStderrShim.warn(
                "WARNING: OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources."
            )
        }
        return o
    }

    /// `spec`'s block I/O settings, their devices looked up on the host.
    func applyBlockIO(_ options: BlockIOOptions, to spec: inout Spec) throws(KitError) {
        guard
            let b = try options.linux(lookup: { path in
                // Docker stat(2)s the path: a link (/dev/disk/by-id/…) names its device.
                let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
                guard case .device(let node) = HostDevices.lookup(real), node.kind == .block else { return nil }
                return (node.major, node.minor)
            })
        else { return }
        var r = spec.linux?.resources ?? LinuxResources()
        r.blockIO = b
        spec.linux?.resources = r
    }
}

extension ContainerResourceOptions {
    /// The container's cgroup path: under `cgroupParent` (made absolute, as Docker's cgroupfs driver
    /// joins it) or under /skiff.
    package func cgroupsPath(id: String) -> String {
        guard let parent = cgroupParent else { return "/skiff/" + id }
        let parts = parent.split(separator: "/").map(String.init)
        return "/" + (parts + [id]).joined(separator: "/")
    }
}
