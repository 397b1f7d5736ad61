import Logging
import SkiffOCI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// cgroup v2: one directory; controllers must be enabled in every ancestor's cgroup.subtree_control.
extension CgroupManager {
    func createV2(_ r: LinuxResources, root: String) throws(CgroupError) {
        let levels = try fs.makeLevels(mount: root, components: components)
        guard let leafDir = levels.last else { return }
        // io only for a spec with block I/O limits (as the other controllers, enabled down the path).
        let available = try enableControllers(
            root: root, levels: levels, extra: Self.hasBlockIO(r.blockIO) ? ["io"] : [])

        for (controller, setting) in Self.requiredControllers(r, v2: true) where !available.contains(controller) {
            throw .controllerMissing(
                controller: controller, setting: setting,
                detail: "enabled in \(leafDir)/cgroup.controllers (\"\(available.sorted().joined(separator: " "))\")")
        }
        try applyV2(r, dir: leafDir)
    }

    /// Walk down from the root: in each ancestor write "+cpu +memory +pids +cpuset" (those it offers)
    /// to cgroup.subtree_control. Returns the controllers the leaf then has.
    func enableControllers(root: String, levels: [String], extra: [String] = []) throws(CgroupError) -> Set<String> {
        var parent = root
        var available = Self.controllerSet(try fs.read(parent + "/cgroup.controllers"))
        for level in levels {
            let wanted = (Self.v2Controllers + extra).filter(available.contains)
            if !wanted.isEmpty {
                try fs.write(wanted.map { "+" + $0 }.joined(separator: " "), to: parent + "/cgroup.subtree_control")
            }
            if let text = try fs.readTrimmedIfExists(level + "/cgroup.controllers") {
                available = Self.controllerSet(text)
            } else if fakeFilesystem {
                // A plain directory has no kernel to fill cgroup.controllers: it gets what was enabled.
                available = Set(wanted)
            } else {
                throw .readFailed(path: level + "/cgroup.controllers", errno: ENOENT)
            }
            parent = level
        }
        return available
    }

    func applyV2(_ r: LinuxResources, dir: String) throws(CgroupError) {
        if let m = r.memory {
            if let value = CgroupValues.v2Memory(m.limit) {
                try fs.write(value, to: dir + "/memory.max")
            }
            if let value = try CgroupValues.v2SwapMax(swap: m.swap, limit: m.limit) {
                let file = dir + "/memory.swap.max"
                if fakeFilesystem || fs.exists(file) {
                    try fs.write(value, to: file)
                } else if value != "max" {
                    throw .invalidValue(
                        setting: "linux.resources.memory.swap", value: String(m.swap ?? 0),
                        reason: "\(file) does not exist (swap accounting is off)")
                }
            }
            if let value = CgroupValues.v2Memory(m.reservation) {
                try fs.write(value, to: dir + "/memory.low")
            }
            if let swappiness = m.swappiness {
                logger.warning(
                    "memory swappiness has no cgroup v2 equivalent; not applied",
                    metadata: ["path": "\(dir)", "value": "\(swappiness)"])
            }
            if m.disableOOMKiller == true {
                logger.warning(
                    "disableOOMKiller has no cgroup v2 equivalent; not applied", metadata: ["path": "\(dir)"])
            }
        }

        if let cpu = r.cpu {
            if let shares = cpu.shares, shares != 0 {
                try fs.write(String(CgroupValues.cpuWeight(shares: shares)), to: dir + "/cpu.weight")
            }
            if let value = CgroupValues.cpuMax(quota: cpu.quota, period: cpu.period) {
                try fs.write(value, to: dir + "/cpu.max")
            }
            if let cpus = cpu.cpus, !cpus.isEmpty {
                try fs.write(cpus, to: dir + "/cpuset.cpus")
            }
            if let mems = cpu.mems, !mems.isEmpty {
                try fs.write(mems, to: dir + "/cpuset.mems")
            }
        }

        if let pids = r.pids {
            try fs.write(CgroupValues.pidsMax(pids.limit), to: dir + "/pids.max")
        }
        if let b = r.blockIO, Self.hasBlockIO(b) { try applyV2BlockIO(b, dir: dir) }

        for limit in r.hugepageLimits ?? [] {
            try writeHugepageLimit(limit, dir: dir, file: "max", reserved: "rsvd.max")
        }

        if let rules = r.devices {
            // v2 has no devices files: an eBPF program attached to the cgroup filters every open and mknod.
            let set = try DeviceRuleSet.emulate(rules)
            if !(set.defaultAllow && set.exceptions.isEmpty) {
                try fs.attachDeviceFilter(DeviceFilterProgram(set), to: dir)
            }
        }

        try writeUnified(r.unified, dir: dir)
    }
}
