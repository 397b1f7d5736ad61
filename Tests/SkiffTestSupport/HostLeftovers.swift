import Foundation

/// What a test may leave on the host, found the way Scripts/leftovers finds it.
public enum HostLeftovers {
    /// Processes (other than this one) whose command line mentions `text`, e.g. a state root.
    public static func processesMentioning(_ text: String) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int32($0) != nil } ?? []
        return pids.compactMap { pid in
            guard pid != String(getpid()),
                let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
            else { return nil }
            let cmd = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return cmd.contains(text) ? "\(pid): \(cmd)" : nil
        }
    }

    /// The container's cgroup directories at the default paths (the CLI's /skiff/<id>, the runtime's
    /// /skiff-<id> for a spec without one) that exist, in the unified hierarchy or any v1 one.
    public static func cgroupDirectories(_ id: String) -> [String] {
        let top = "/sys/fs/cgroup"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: top)) ?? []
        return ([top] + entries.map { top + "/" + $0 }).flatMap { [$0 + "/skiff/" + id, $0 + "/skiff-" + id] }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }
}
