/// What a cgroup's memory controller says about the kernel's OOM killer, as one of its files reads:
/// the `oom_kill` line of v1's memory.oom_control or of v2's memory.events (the same key in both). A
/// container's cgroup is made anew at every start, so the counter covers one run of it.
///
///     oom_kill_disable 0          low 0
///     under_oom 0                 high 0
///     oom_kill 1                  max 12
///                                 oom 1
///                                 oom_kill 1
public struct CgroupOOMReport: Sendable, Equatable {
    /// The file the contents came from.
    public enum Source: String, Sendable, Equatable {
        /// cgroup v1: memory.oom_control.
        case v1OOMControl = "memory.oom_control"
        /// cgroup v2: memory.events.
        case v2MemoryEvents = "memory.events"
    }

    /// Which file.
    public var source: Source
    /// Its contents as read.
    public var contents: String

    /// The file's contents, as read from `source`.
    public init(source: Source, contents: String) {
        self.source = source
        self.contents = contents
    }

    /// The OOM killer's kills in the cgroup; nil when the file has no `oom_kill` line (v1 on a kernel
    /// before 4.13), which says nothing either way.
    public var oomKills: UInt64? {
        for line in contents.split(whereSeparator: { $0 == "\n" }) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count == 2, fields[0] == "oom_kill" { return UInt64(fields[1]) }
        }
        return nil
    }

    /// Docker's State.OOMKilled: the OOM killer killed a process of the container (its init or any
    /// other) during the run.
    public var killedByOOM: Bool { (oomKills ?? 0) > 0 }
}

extension CgroupManager {
    /// Where the cgroup's OOM counter is: v1's memory.oom_control in the memory hierarchy, or v2's
    /// memory.events; nil without a memory controller. A path, whether the cgroup exists yet or not.
    public func oomCounterFile() -> (path: String, source: CgroupOOMReport.Source)? {
        if let mount = layout.v1Hierarchies["memory"] {
            return (leaf(in: mount) + "/" + CgroupOOMReport.Source.v1OOMControl.rawValue, .v1OOMControl)
        }
        if case .v2(let root) = layout {
            return (leaf(in: root) + "/" + CgroupOOMReport.Source.v2MemoryEvents.rawValue, .v2MemoryEvents)
        }
        return nil
    }

    /// The cgroup's OOM counter file (v1 memory.oom_control, v2 memory.events) as it reads now; nil
    /// without a memory controller or once the cgroup is gone. Read it before `destroy`.
    public func oomReport() -> CgroupOOMReport? {
        guard let (path, source) = oomCounterFile(),
            let text = (try? fs.readTrimmedIfExists(path)) ?? nil
        else { return nil }
        return CgroupOOMReport(source: source, contents: text)
    }
}
