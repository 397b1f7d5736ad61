import Logging
import SkiffOCI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// cgroup v1: one directory per hierarchy; limits go to the hierarchy of their controller.
extension CgroupManager {
    func createV1(_ r: LinuxResources, hierarchies h: [String: String]) throws(CgroupError) {
        for mount in mounts where mount != layout.unifiedMount {
            let levels = try fs.makeLevels(mount: mount, components: components)
            if h["cpuset"] == mount {
                try copyCpusetDown(mount: mount, levels: levels)
            }
        }
        try applyV1(r, hierarchies: h)
    }

    /// A new v1 cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and a task cannot join it;
    /// give every level that is still empty its parent's values.
    func copyCpusetDown(mount: String, levels: [String]) throws(CgroupError) {
        var parent = mount
        for level in levels {
            for file in ["cpuset.cpus", "cpuset.mems"] {
                let current = try fs.readTrimmedIfExists(level + "/" + file) ?? ""
                if current.isEmpty {
                    let parentFile = parent + "/" + file
                    let inherited = CgroupFS.trim(try fs.read(parentFile))
                    if inherited.isEmpty { throw .unparsable(path: parentFile, content: inherited) }
                    try fs.write(inherited, to: level + "/" + file)
                }
            }
            parent = level
        }
    }

    func applyV1(_ r: LinuxResources, hierarchies h: [String: String]) throws(CgroupError) {
        // `validate` has already checked that each controller needed below is mounted.
        func dir(_ controller: String) throws(CgroupError) -> String {
            guard let mount = h[controller] else {
                throw .controllerMissing(controller: controller, setting: "\(controller) limit", detail: "mounted")
            }
            return leaf(in: mount)
        }

        if let cpu = r.cpu {
            if let shares = cpu.shares, shares != 0 {
                try fs.write(String(shares), to: dir("cpu") + "/cpu.shares")
            }
            // Period before quota: the quota is checked against the period the kernel holds. A shorter
            // period can be refused (EINVAL) because the old quota over it would exceed the parent's
            // limit; when a quota comes too, the period is written again after it (runc's order).
            var periodPending: UInt64?
            if let period = cpu.period, period != 0 {
                do throws(CgroupError) {
                    try fs.write(String(period), to: dir("cpu") + "/cpu.cfs_period_us")
                } catch {
                    guard case .writeFailed(_, _, EINVAL) = error, let quota = cpu.quota, quota != 0 else {
                        throw error
                    }
                    periodPending = period
                }
            }
            if let quota = cpu.quota, quota != 0 {
                try fs.write(CgroupValues.v1CPUQuota(quota), to: dir("cpu") + "/cpu.cfs_quota_us")
            }
            if let period = periodPending { try fs.write(String(period), to: dir("cpu") + "/cpu.cfs_period_us") }
            if let cpus = cpu.cpus, !cpus.isEmpty {
                try fs.write(cpus, to: dir("cpuset") + "/cpuset.cpus")
            }
            if let mems = cpu.mems, !mems.isEmpty {
                try fs.write(mems, to: dir("cpuset") + "/cpuset.mems")
            }
        }

        if let cpu = r.cpu, Self.hasRealtime(cpu) { try applyV1Realtime(cpu, dir: dir("cpu")) }
        if let b = r.blockIO, Self.hasBlockIO(b) { try applyV1BlockIO(b, dir: dir("blkio")) }

        if let memory = r.memory {
            try applyV1Memory(memory, dir: dir("memory"))
        }

        if let pids = r.pids {
            try fs.write(CgroupValues.pidsMax(pids.limit), to: dir("pids") + "/pids.max")
        }

        for limit in r.hugepageLimits ?? [] {
            try writeHugepageLimit(limit, dir: dir("hugetlb"), file: "limit_in_bytes", reserved: "rsvd.limit_in_bytes")
        }
        if let network = r.network {
            if let classID = network.classID {
                try fs.write(String(classID), to: dir("net_cls") + "/net_cls.classid")
            }
            for p in network.priorities ?? [] {
                try fs.write("\(p.name) \(p.priority)", to: dir("net_prio") + "/net_prio.ifpriomap")
            }
        }

        if let rules = r.devices {
            // The folded set, not the raw list: the kernel would ignore a deny that punches a hole into a
            // wildcard allow, and v2's BPF program is made from the same set.
            let d = try dir("devices")
            for (file, line) in try DeviceRuleSet.emulate(rules).v1Writes {
                try fs.write(line, to: d + "/" + file)
            }
        }
    }

    /// memory.limit_in_bytes and memory.memsw.limit_in_bytes must keep memsw >= limit after every
    /// single write, so their order depends on the limit the cgroup has now.
    func applyV1Memory(_ m: LinuxMemory, dir: String) throws(CgroupError) {
        let limitFile = dir + "/memory.limit_in_bytes"
        let memswFile = dir + "/memory.memsw.limit_in_bytes"
        let limit = m.limit.flatMap { $0 == 0 ? nil : $0 }
        var swap = m.swap.flatMap { $0 == 0 ? nil : $0 }

        if let s = swap, !fs.exists(memswFile) {
            logger.warning(
                "swap limit not applied: no memory.memsw.limit_in_bytes (swap accounting is off)",
                metadata: ["path": "\(memswFile)", "value": "\(s)"])
            swap = nil
        }

        switch (limit, swap) {
        case (let l?, let s?):
            let current: Int64
            if let text = try fs.readTrimmedIfExists(limitFile) {
                guard let value = Int64(text) else { throw .unparsable(path: limitFile, content: text) }
                current = value
            } else if fakeFilesystem {
                current = Int64.max
            } else {
                throw .readFailed(path: limitFile, errno: ENOENT)
            }
            if s == -1 || current < s {
                // Raising: memsw first, then the limit below it.
                try fs.write(String(s), to: memswFile)
                try fs.write(String(l), to: limitFile)
            } else {
                // Lowering (or a fresh, unlimited cgroup): the limit first, then memsw above it.
                try fs.write(String(l), to: limitFile)
                try fs.write(String(s), to: memswFile)
            }
        case (let l?, nil):
            try fs.write(String(l), to: limitFile)
        case (nil, let s?):
            try fs.write(String(s), to: memswFile)
        case (nil, nil):
            break
        }

        if let reservation = m.reservation, reservation != 0 {
            try fs.write(String(reservation), to: dir + "/memory.soft_limit_in_bytes")
        }
        if let swappiness = m.swappiness {
            try fs.write(String(swappiness), to: dir + "/memory.swappiness")
        }
        if m.disableOOMKiller == true {
            try fs.write("1", to: dir + "/memory.oom_control")
        }
        if let tcp = m.kernelTCP, tcp != 0 {
            let file = dir + "/memory.kmem.tcp.limit_in_bytes"
            if !fakeFilesystem && !fs.exists(file) {
                throw .invalidValue(
                    setting: "linux.resources.memory.kernelTCP", value: String(tcp),
                    reason: "\(file) does not exist (this kernel has no kernel TCP memory accounting)")
            }
            try fs.write(String(tcp), to: file)
        }
    }

    /// hugetlb.<size>.<file> (and its reservation twin, when the kernel has one, as runc writes both). A page
    /// size the kernel does not offer has no file: that is an error naming it, not a limit left out.
    func writeHugepageLimit(_ limit: LinuxHugepageLimit, dir: String, file: String, reserved: String)
        throws(CgroupError)
    {
        let size = limit.pageSize
        guard !size.isEmpty, size.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            throw .invalidValue(
                setting: "linux.resources.hugepageLimits.pageSize", value: "\"\(size)\"",
                reason: "expected a size such as 2MB or 1GB")
        }
        let path = dir + "/hugetlb.\(size).\(file)"
        if !fakeFilesystem && !fs.exists(path) {
            throw .invalidValue(
                setting: "linux.resources.hugepageLimits.pageSize", value: "\"\(size)\"",
                reason: "this kernel offers no \(size) huge pages (no \(path))")
        }
        try fs.write(String(limit.limit), to: path)
        let reservedPath = dir + "/hugetlb.\(size).\(reserved)"
        if fs.exists(reservedPath) { try fs.write(String(limit.limit), to: reservedPath) }
    }

    /// Hybrid: the container also gets a directory in the cgroup2 mount, and `unified` keys go there.
    func createHybridUnified(_ r: LinuxResources, unified: String) throws(CgroupError) {
        let levels = try fs.makeLevels(mount: unified, components: components)
        guard let leafDir = levels.last else { return }
        try writeUnified(r.unified, dir: leafDir)
    }

    /// `linux.resources.unified`: each key is a file in the cgroup2 directory, written verbatim.
    func writeUnified(_ unified: [String: String]?, dir: String) throws(CgroupError) {
        for (key, value) in (unified ?? [:]).sorted(by: { $0.key < $1.key }) {
            let file = dir + "/" + key
            if !fakeFilesystem && !fs.exists(file) {
                throw .invalidUnifiedKey(key: key, reason: "no file \(file) (is its controller enabled?)")
            }
            try fs.write(value, to: file)
        }
    }
}
