import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The host side of `--device`: what a path is, read with lstat(2) (moby resolves a link given on the
/// command line first, then walks a directory without following links).
enum HostDevices {
    static func lookup(_ path: String) -> HostDeviceEntry {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFCHR, S_IFBLK:
            return .device(
                HostDeviceNode(
                    kind: st.st_mode & S_IFMT == S_IFCHR ? .char : .block,
                    major: major(st.st_rdev), minor: minor(st.st_rdev),
                    mode: UInt32(st.st_mode & 0o7777), uid: st.st_uid, gid: st.st_gid))
        case S_IFDIR: return .directory(FileIO.visibleEntries(path))
        default: return .other
        }
    }

    /// glibc's major()/minor() (macros Swift does not import).
    static func major(_ dev: dev_t) -> Int64 {
        let d = UInt64(dev)
        return Int64(((d >> 32) & 0xffff_f000) | ((d >> 8) & 0x0000_0fff))
    }

    static func minor(_ dev: dev_t) -> Int64 {
        let d = UInt64(dev)
        return Int64(((d >> 12) & 0xffff_ff00) | (d & 0x0000_00ff))
    }

    /// The mappings with each host path's links resolved (a missing path stays as given, to be named).
    static func resolvingLinks(_ mappings: [DeviceMapping]) -> [DeviceMapping] {
        mappings.map { m in
            var m = m
            if let real = realpath(m.hostPath, nil) {
                m.hostPath = String(cString: real)
                free(real)
            }
            return m
        }
    }
}
