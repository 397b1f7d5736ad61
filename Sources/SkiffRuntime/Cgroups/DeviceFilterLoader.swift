import CSkiff

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Loading a `DeviceFilterProgram` into the kernel and attaching it to a cgroup2 directory (bpf(2)).
public enum DeviceFilterLoader {
    /// Load the program; the kernel's verifier accepts or rejects it. Returns its fd (close-on-exec).
    public static func load(_ program: DeviceFilterProgram) throws(CgroupError) -> Int32 {
        let bytes = program.bytes
        var log = [CChar](repeating: 0, count: 64 * 1024)
        let fd = bytes.withUnsafeBytes { insns in
            log.withUnsafeMutableBufferPointer { buffer in
                cskiff_bpf_load_device_filter(
                    insns.baseAddress, UInt32(program.instructions.count),
                    DeviceFilterProgram.license, buffer.baseAddress, UInt32(buffer.count))
            }
        }
        if fd < 0 {
            let err = errno
            let text = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .deviceFilterLoad(errno: err, log: String(text.suffix(2000)))
        }
        return fd
    }

    /// Load `program` and attach it to the cgroup2 directory `path` (BPF_F_ALLOW_MULTI). The attachment
    /// holds the program; it goes with the cgroup's rmdir, so the fd is not kept.
    public static func attach(_ program: DeviceFilterProgram, toCgroup path: String) throws(CgroupError) {
        let cgroup = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if cgroup < 0 { throw .deviceFilterAttach(path: path, errno: errno) }
        defer { close(cgroup) }
        let fd = try load(program)
        defer { close(fd) }
        if cskiff_bpf_attach_device_filter(fd, cgroup) != 0 {
            throw .deviceFilterAttach(path: path, errno: errno)
        }
    }

    /// How many device programs are attached directly to the cgroup2 directory `path`.
    public static func attachedCount(cgroup path: String) throws(CgroupError) -> Int {
        let cgroup = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if cgroup < 0 { throw .deviceFilterAttach(path: path, errno: errno) }
        defer { close(cgroup) }
        let n = cskiff_bpf_count_device_filters(cgroup)
        if n < 0 { throw .deviceFilterAttach(path: path, errno: errno) }
        return Int(n)
    }
}
