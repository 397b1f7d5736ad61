import Foundation
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff info`: Docker's `info` fields that mean something without a daemon, under Docker's names (so
/// `--format '{{.ServerVersion}}'` and `{{json .}}` read as Docker's do). The state root is the
/// "Docker Root Dir"; the one runtime is Skiff's own.
public struct SystemInfo: Codable, Sendable, Equatable {
    /// Docker's `Containers`.
    public var Containers: Int
    /// Docker's `ContainersRunning`.
    public var ContainersRunning: Int
    /// Docker's `ContainersPaused`.
    public var ContainersPaused: Int
    /// Docker's `ContainersStopped`.
    public var ContainersStopped: Int
    /// Docker's `Images`.
    public var Images: Int
    /// Storage driver: overlay2 (Skiff's layers are overlay lower dirs).
    public var Driver: String
    /// [["Backing Filesystem", "extfs"], …].
    public var DriverStatus: [[String]]
    /// Docker's `LoggingDriver`.
    public var LoggingDriver: String
    /// Docker's `CgroupDriver`.
    public var CgroupDriver: String
    /// "1" or "2".
    public var CgroupVersion: String
    /// Docker's `KernelVersion`.
    public var KernelVersion: String
    /// Docker's `OperatingSystem`.
    public var OperatingSystem: String
    /// Docker's `OSVersion`.
    public var OSVersion: String
    /// Docker's `OSType`.
    public var OSType: String
    /// Docker's `Architecture`.
    public var Architecture: String
    /// Docker's `NCPU`.
    public var NCPU: Int
    /// Docker's `MemTotal`.
    public var MemTotal: Int64
    /// Docker's `Name`.
    public var Name: String
    /// Docker's `DockerRootDir`.
    public var DockerRootDir: String
    /// Docker's `ServerVersion`.
    public var ServerVersion: String
    /// Docker's `Runtimes`.
    public var Runtimes: [String: RuntimeDoc]
    /// Docker's `DefaultRuntime`.
    public var DefaultRuntime: String
    /// "name=seccomp,profile=builtin", "name=cgroupns" (on cgroup v2, where containers get their own).
    public var SecurityOptions: [String]
    /// Docker's `Plugins`.
    public var Plugins: PluginsDoc
    /// Docker's `Debug`.
    public var Debug: Bool

    /// A runtime's entry (Docker: its path).
    public struct RuntimeDoc: Codable, Sendable, Equatable {
        /// Docker's `path`.
        public var path: String
    }

    /// The drivers Skiff has, by kind.
    public struct PluginsDoc: Codable, Sendable, Equatable {
        /// Docker's `Volume`.
        public var Volume: [String]
        /// Docker's `Network`.
        public var Network: [String]
        /// Docker's `Log`.
        public var Log: [String]
    }
}

extension Engine {
    /// What `info` shows for this state root and host.
    public func systemInfo(serverVersion: String, debug: Bool = false) -> SystemInfo {
        let all = listContainers()
        let running = all.filter { $0.status == .running || $0.status == .restarting }
        let paused = running.filter { isPaused($0) }.count
        var uts = utsname()
        uname(&uts)
        func text<T>(_ field: inout T) -> String {
            withUnsafeBytes(of: &field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let os = Self.osRelease()
        let v2 = CgroupLayout.isUnifiedMode()
        var security = ["name=seccomp,profile=builtin"]
        if v2 { security.append("name=cgroupns") }
        let imageCount = Set(((try? images.list()) ?? []).map(\.id)).count
        return SystemInfo(
            Containers: all.count, ContainersRunning: running.count - paused, ContainersPaused: paused,
            ContainersStopped: all.count - running.count, Images: imageCount, Driver: "overlay2",
            DriverStatus: [["Backing Filesystem", Self.filesystemName(root)], ["Supports d_type", "true"]],
            LoggingDriver: LogDriver.jsonFile.rawValue, CgroupDriver: "cgroupfs", CgroupVersion: v2 ? "2" : "1",
            KernelVersion: text(&uts.release), OperatingSystem: os["PRETTY_NAME"] ?? "Linux",
            OSVersion: os["VERSION_ID"] ?? "", OSType: "linux", Architecture: text(&uts.machine),
            NCPU: max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1), MemTotal: Int64(Self.hostMemory),
            Name: text(&uts.nodename), DockerRootDir: root, ServerVersion: serverVersion,
            Runtimes: [DaemonSettings.runtimeName: .init(path: Self.skiffPath)],
            DefaultRuntime: DaemonSettings.runtimeName, SecurityOptions: security,
            Plugins: .init(
                Volume: ["local"], Network: ["bridge", "host", "null"],
                Log: [LogDriver.jsonFile, .local, .none].map(\.rawValue)),
            Debug: debug)
    }

    /// /etc/os-release's KEY=value lines (quotes removed).
    static func osRelease() -> [String: String] {
        let text = (try? FileIO.readString("/etc/os-release")) ?? (try? FileIO.readString("/usr/lib/os-release")) ?? ""
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: eq)...]
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = value.dropFirst().dropLast()
            }
            out[String(line[..<eq])] = String(value)
        }
        return out
    }

    /// Docker's name for the filesystem under `path` (its "Backing Filesystem"), from the mount that holds it.
    static func filesystemName(_ path: String) -> String {
        let mounts = (try? FileIO.readString("/proc/self/mounts")) ?? ""
        var best: (point: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count > 2 else { continue }
            let point = f[1].replacingOccurrences(of: "\\040", with: " ")
            let inside = point == "/" || path == point || path.hasPrefix(point + "/")
            if inside, point.count >= (best?.point.count ?? 0) { best = (point, String(f[2])) }
        }
        switch best?.type {
        case "ext2", "ext3", "ext4": return "extfs"
        case "overlay": return "overlayfs"
        case let type?: return type
        case nil: return "unknown"
        }
    }
}
