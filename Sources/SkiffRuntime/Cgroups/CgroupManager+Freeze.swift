#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// pause / resume: the v1 freezer controller (freezer.state) or cgroup v2's cgroup.freeze.
extension CgroupManager {
    /// Where the freezer lives: the v1 freezer hierarchy when there is one (v1, hybrid), else cgroup2.
    enum Freezer {
        case v1(state: String)
        case v2(freeze: String, events: String)
    }

    func freezer() throws(CgroupError) -> Freezer {
        if let mount = layout.v1Hierarchies["freezer"] { return .v1(state: leaf(in: mount) + "/freezer.state") }
        if case .v2(let root) = layout {
            let dir = leaf(in: root)
            return .v2(freeze: dir + "/cgroup.freeze", events: dir + "/cgroup.events")
        }
        throw .controllerMissing(controller: "freezer", setting: "pause", detail: "mounted")
    }

    /// Freeze (or thaw) every process of the cgroup and wait until the kernel says it is done. v1 may sit
    /// in FREEZING while a task is in an uninterruptible sleep: the write is repeated, as runc does.
    public func setFrozen(_ frozen: Bool) throws(CgroupError) {
        switch try freezer() {
        case .v1(let file):
            let wanted = frozen ? "FROZEN" : "THAWED"
            for attempt in 0..<1000 {
                if attempt % 10 == 0 { try fs.write(wanted, to: file) }
                if fakeFilesystem { return }
                if CgroupFS.trim(try fs.read(file)) == wanted { return }
                usleep(1000)
            }
            if frozen { try? fs.write("THAWED", to: file) }
            throw .writeFailed(path: file, value: wanted, errno: EBUSY)
        case .v2(let freeze, let events):
            try fs.write(frozen ? "1" : "0", to: freeze)
            if fakeFilesystem { return }
            let wanted = "frozen \(frozen ? 1 : 0)"
            for _ in 0..<1000 {
                if try fs.read(events).split(separator: "\n").contains(where: { $0 == wanted }) { return }
                usleep(1000)
            }
            if frozen { try? fs.write("0", to: freeze) }
            throw .writeFailed(path: freeze, value: frozen ? "1" : "0", errno: EBUSY)
        }
    }

    /// Whether the cgroup is frozen (runc's "paused"); false when there is no freezer to ask.
    public var isFrozen: Bool {
        guard let freezer = try? freezer() else { return false }
        switch freezer {
        case .v1(let file): return (try? fs.readTrimmedIfExists(file)) == "FROZEN"
        case .v2(let freeze, _): return (try? fs.readTrimmedIfExists(freeze)) == "1"
        }
    }
}
