import SkiffOCI
import SkiffRuntime

/// What a detached container's monitor watches to see the kernel's OOM killer at work while the
/// container runs (Docker's `oom` event comes when the kill happens, even if the init survives): the
/// memory cgroup's counter file, and how the kernel tells of a change to it. Planned here from the
/// cgroup's layout and path; the monitor (C) only opens, waits and reads the `oom_kill` line.
///
///     v1:<memory hierarchy>/<path>/memory.oom_control   an eventfd registered in cgroup.event_control
///                                                       beside it, signalled at each OOM
///     v2:<cgroup2 mount>/<path>/memory.events           inotify IN_MODIFY (cgroup_file_notify)
package struct OOMWatch: Sendable, Equatable {
    /// Which counter file, and so how the monitor learns of a change: v1's memory.oom_control through
    /// an eventfd in cgroup.event_control, v2's memory.events through inotify.
    package var mechanism: CgroupOOMReport.Source
    /// The file with the `oom_kill N` line.
    package var counterFile: String

    /// The watch of `cgroup`'s counter; nil without a memory controller (nothing to watch).
    package init?(cgroup: CgroupManager) {
        guard let (path, source) = cgroup.oomCounterFile() else { return nil }
        counterFile = path
        mechanism = source
    }

    /// v1: the `cgroup.event_control` beside the counter, where an eventfd is registered for it (the
    /// monitor finds it the same way); nil for v2.
    package var eventControlFile: String? {
        guard mechanism == .v1OOMControl, let slash = counterFile.lastIndex(of: "/") else { return nil }
        return counterFile[..<slash] + "/cgroup.event_control"
    }

    /// How the start helper names it to the monitor, after the init's pid: `v1:FILE` or `v2:FILE`.
    package var monitorArgument: String { (mechanism == .v1OOMControl ? "v1:" : "v2:") + counterFile }

    /// How many `oom` events a run still owes: kills `counted` by its cgroup now, less those
    /// `reported` already (by the monitor's `container-internal oom` while it ran). A counter that
    /// cannot be read owes nothing; one below the reported (a new cgroup) is counted from zero.
    package static func unreported(counted: UInt64?, reported: UInt64?) -> UInt64 {
        guard let counted else { return 0 }
        let reported = reported ?? 0
        return counted >= reported ? counted - reported : counted
    }
}

extension Engine {
    /// The OOM watch for the cgroup the runtime made for the init (the start helper hands it to the
    /// monitor with the init's pid); nil without a memory controller.
    package func oomWatch(of started: InitProcess) -> OOMWatch? {
        guard let paths = started.cgroup, let cgroup = try? CgroupManager(statePaths: paths, logger: logger) else {
            return nil
        }
        return OOMWatch(cgroup: cgroup)
    }

    /// The OOM killer's kills counted in the container's cgroup (its runtime state's) so far; nil
    /// without a cgroup or a counter.
    func oomKills(id: String) -> UInt64? {
        runtime.oomReport(id: id)?.oomKills
    }

    /// `container-internal oom`: the monitor saw the container's OOM counter grow while it runs. One
    /// `oom` event per kill not reported yet, and State.OOMKilled set (Docker sets it at the event).
    /// The count reported is kept in the record, so the exit records only the kills after it.
    package func internalOOM(id: String) throws(KitError) {
        guard let counted = oomKills(id: id) else { return }
        var owed: UInt64 = 0
        let record = try containers.update(id: id) { c throws(KitError) in
            guard c.status == .running else { return }
            owed = OOMWatch.unreported(counted: counted, reported: c.oomKillsReported)
            guard owed > 0 else { return }
            c.oomKillsReported = counted
            c.oomKilled = true
        }
        for _ in 0..<owed { events.record(container: record, "oom") }
    }
}
