import SkiffOCI

// `linux.resources.blockIO` and the CPU's real-time budget, as runc writes them (libcontainer/cgroups
// fs/blkio.go, fs/cpu.go, fs2/io.go): v1 blkio.* and cpu.rt_*; v2 io.weight / io.bfq.weight and io.max.
// v2 has no real-time budget per cgroup, so it is refused there.
extension CgroupManager {
    /// v1: the weight goes to blkio.bfq.weight when the BFQ scheduler offers it, else blkio.weight
    /// (a kernel with neither makes the write fail, naming the file).
    func applyV1BlockIO(_ b: LinuxBlockIO, dir: String) throws(CgroupError) {
        let bfq = fs.exists(dir + "/blkio.bfq.weight")
        let weightFile = bfq ? "blkio.bfq.weight" : "blkio.weight"
        if let w = b.weight, w != 0 { try fs.write(String(w), to: dir + "/" + weightFile) }
        if let w = b.leafWeight, w != 0 { try fs.write(String(w), to: dir + "/blkio.leaf_weight") }
        for d in b.weightDevice ?? [] {
            if let w = d.weight { try fs.write("\(d.major):\(d.minor) \(w)", to: dir + "/" + weightFile + "_device") }
            if let w = d.leafWeight {
                try fs.write("\(d.major):\(d.minor) \(w)", to: dir + "/blkio.leaf_weight_device")
            }
        }
        for (devices, file) in Self.throttles(b) {
            for d in devices { try fs.write("\(d.major):\(d.minor) \(d.rate)", to: dir + "/blkio.throttle." + file) }
        }
    }

    /// v2: BFQ's io.bfq.weight takes v1's scale; io.weight takes 1...10000, converted as runc does.
    func applyV2BlockIO(_ b: LinuxBlockIO, dir: String) throws(CgroupError) {
        let bfq = fs.exists(dir + "/io.bfq.weight")
        func weight(_ w: UInt16) -> String { bfq ? String(w) : String(CgroupValues.ioWeight(blkioWeight: w)) }
        let weightFile = dir + (bfq ? "/io.bfq.weight" : "/io.weight")
        if let w = b.weight, w != 0 { try fs.write(weight(w), to: weightFile) }
        for d in b.weightDevice ?? [] {
            if let w = d.weight { try fs.write("\(d.major):\(d.minor) \(weight(w))", to: weightFile) }
        }
        let keys = [
            "read_bps_device": "rbps", "write_bps_device": "wbps", "read_iops_device": "riops",
            "write_iops_device": "wiops",
        ]
        for (devices, file) in Self.throttles(b) {
            for d in devices { try fs.write("\(d.major):\(d.minor) \(keys[file]!)=\(d.rate)", to: dir + "/io.max") }
        }
    }

    static func throttles(_ b: LinuxBlockIO) -> [([LinuxThrottleDevice], String)] {
        [
            (b.throttleReadBpsDevice ?? [], "read_bps_device"), (b.throttleWriteBpsDevice ?? [], "write_bps_device"),
            (b.throttleReadIOPSDevice ?? [], "read_iops_device"),
            (b.throttleWriteIOPSDevice ?? [], "write_iops_device"),
        ]
    }

    /// v1 cpu.rt_period_us then cpu.rt_runtime_us (runc's order: the runtime is checked against the period).
    func applyV1Realtime(_ c: LinuxCPU, dir: String) throws(CgroupError) {
        if let p = c.realtimePeriod, p != 0 { try fs.write(String(p), to: dir + "/cpu.rt_period_us") }
        if let r = c.realtimeRuntime, r != 0 { try fs.write(String(r), to: dir + "/cpu.rt_runtime_us") }
    }

    static func hasBlockIO(_ b: LinuxBlockIO?) -> Bool {
        guard let b else { return false }
        return (b.weight ?? 0) != 0 || (b.leafWeight ?? 0) != 0 || !(b.weightDevice ?? []).isEmpty
            || !throttles(b).allSatisfy { $0.0.isEmpty }
    }

    static func hasRealtime(_ c: LinuxCPU?) -> Bool {
        (c?.realtimePeriod ?? 0) != 0 || (c?.realtimeRuntime ?? 0) != 0
    }
}

extension CgroupValues {
    /// runc's ConvertBlkIOToIOWeightValue: v1's 10...1000 onto v2's 1...10000.
    static func ioWeight(blkioWeight w: UInt16) -> UInt64 {
        1 + (UInt64(max(w, 10)) - 10) * 9999 / 990
    }
}
