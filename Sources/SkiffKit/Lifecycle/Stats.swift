import Foundation
import SkiffImage
import SkiffOCI
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff stats`: figures from the container's cgroup (v1 or v2 file names).
public struct ContainerStatsSample: Sendable {
    /// The container's ID.
    public var id: String
    /// The container's name.
    public var name: String
    /// CPU time used, nanoseconds.
    public var cpuNanos: UInt64
    /// Memory charged to the cgroup, in bytes (page cache included; `ContainerUsage` subtracts it).
    public var memoryUsage: UInt64
    /// nil: no limit.
    public var memoryLimit: UInt64?
    /// Tasks in the cgroup.
    public var pids: UInt64
    /// Bytes read from block devices so far.
    public var blockRead: UInt64
    /// Bytes written to block devices so far.
    public var blockWrite: UInt64
    /// When the sample was taken (monotonic seconds).
    public var at: Double
    /// Bytes the container received on its network interfaces so far.
    public var netReceived: UInt64 = 0
    /// Bytes the container sent on its network interfaces so far.
    public var netSent: UInt64 = 0
}

extension Engine {
    /// Read the running container's cgroup counters now; nil when it is not running.
    public func statsSample(_ c: Container) -> ContainerStatsSample? {
        guard c.status == .running,
            let cg = try? CgroupManager.forContainer(
                id: c.id,
                cgroupsPath: (try? SpecFile.load(bundle: containers.directory(of: c.id)))?.linux?.cgroupsPath
                    ?? "/skiff/" + c.id, logger: logger)
        else {
            return nil
        }
        let paths = cg.paths
        func number(_ controller: String, _ file: String) -> UInt64? {
            guard let dir = paths[controller], let text = try? FileIO.readString(dir + "/" + file) else { return nil }
            return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        func keyed(_ controller: String, _ file: String, _ key: String) -> UInt64? {
            guard let dir = paths[controller], let text = try? FileIO.readString(dir + "/" + file) else { return nil }
            for line in text.split(separator: "\n") {
                let f = line.split(separator: " ")
                if f.count == 2, f[0] == key { return UInt64(f[1]) }
            }
            return nil
        }
        let u = CgroupManager.unifiedKey
        let cpu = number("cpuacct", "cpuacct.usage") ?? keyed(u, "cpu.stat", "usage_usec").map { $0 * 1000 } ?? 0
        var memory = number("memory", "memory.usage_in_bytes") ?? number(u, "memory.current") ?? 0
        // Docker subtracts the page cache (inactive_file) from the usage.
        if let inactive = keyed("memory", "memory.stat", "total_inactive_file")
            ?? keyed(u, "memory.stat", "inactive_file"),
            inactive < memory
        {
            memory -= inactive
        }
        var limit = number("memory", "memory.limit_in_bytes") ?? number(u, "memory.max")
        if let l = limit, l >= 1 << 62 { limit = nil }
        let pids = number("pids", "pids.current") ?? number(u, "pids.current") ?? 0
        var read: UInt64 = 0
        var written: UInt64 = 0
        if let dir = paths["blkio"], let text = try? FileIO.readString(dir + "/blkio.throttle.io_service_bytes") {
            for line in text.split(separator: "\n") {
                let f = line.split(separator: " ")
                guard f.count == 3, let v = UInt64(f[2]) else { continue }
                if f[1] == "Read" { read += v } else if f[1] == "Write" { written += v }
            }
        } else if let dir = paths[u], let text = try? FileIO.readString(dir + "/io.stat") {
            for line in text.split(separator: "\n") {
                for kv in line.split(separator: " ") {
                    let p = kv.split(separator: "=")
                    guard p.count == 2, let v = UInt64(p[1]) else { continue }
                    if p[0] == "rbytes" { read += v } else if p[0] == "wbytes" { written += v }
                }
            }
        }
        var sample = ContainerStatsSample(
            id: c.id, name: c.name, cpuNanos: cpu, memoryUsage: memory, memoryLimit: limit,
            pids: pids, blockRead: read, blockWrite: written, at: Self.monotonicSeconds())
        (sample.netReceived, sample.netSent) = Self.networkBytes(containerID: c.id)
        return sample
    }

    /// Docker's SizeRw and SizeRootFs: the bytes of the container's writable layer, and those plus its
    /// image's (`ps -s` shows them as "2B (virtual 4.26MB)").
    public func containerSizes(_ c: Container) -> (writable: UInt64, rootFs: UInt64) {
        let writable = Self.diskUsage(containers.directory(of: c.id) + "/upper")
        let image = (try? Digest(c.manifestDigest)).flatMap { try? images.image(manifest: $0) }.map { UInt64($0.size) }
        return (writable, writable + (image ?? 0))
    }

    /// The container's network traffic, read on the host's ends of its veth pairs: what the host end
    /// sent, the container received, and the other way round.
    static func networkBytes(containerID: String) -> (received: UInt64, sent: UInt64) {
        var received: UInt64 = 0
        var sent: UInt64 = 0
        for index in 0..<16 {
            let dir = "/sys/class/net/" + NetworkStore.vethName(containerID: containerID, index: index) + "/statistics/"
            guard let tx = try? FileIO.readString(dir + "tx_bytes"), let rx = try? FileIO.readString(dir + "rx_bytes")
            else { break }
            received += UInt64(tx.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            sent += UInt64(rx.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        return (received, sent)
    }

    /// The host's memory (the limit shown for a container without one) and CPU count.
    public static var hostMemory: UInt64 {
        guard let text = try? FileIO.readString("/proc/meminfo"),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
            let kb = line.split(separator: " ").dropFirst().first.flatMap({ UInt64($0) })
        else { return 0 }
        return kb * 1024
    }

    /// Docker's size units: "1.5MiB", "12kB" style (binary for memory).
    package static func binarySize(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(bytes)
        var i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return i == 0 ? "\(bytes)B" : String(format: "%.4g", v) + units[i]
    }

    package static func decimalSize(_ bytes: UInt64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var v = Double(bytes)
        var i = 0
        while v >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
        return i == 0 ? "\(bytes)B" : String(format: "%.3g", v) + units[i]
    }

    /// Bytes used by a directory tree (no symlinks followed), for `system df` and `ps -s`.
    public static func diskUsage(_ path: String) -> UInt64 {
        var total: UInt64 = 0
        guard let dir = opendir(path) else { return 0 }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            var st = stat()
            guard lstat(child, &st) == 0 else { continue }
            if st.st_mode & S_IFMT == S_IFDIR { total += diskUsage(child) } else { total += UInt64(st.st_blocks) * 512 }
        }
        return total
    }
}
