// The defaults `docker run` gives a container (moby oci/defaults.go, oci/caps/defaults.go, the devices
// runc allows), as the Spec `skiff run` starts from. Security defaults are Docker's: they are the floor.

import SkiffOCI

public enum DockerDefaults {
    /// Docker's default capability set.
    public static let capabilities: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ]

    public static let pathEnv = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Docker does not set no_new_privs unless asked (`--security-opt no-new-privileges`).
    public static let noNewPrivileges = false

    public static let mounts: [Mount] = [
        Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
        Mount(
            destination: "/dev", type: "tmpfs", source: "tmpfs",
            options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        Mount(
            destination: "/dev/pts", type: "devpts", source: "devpts",
            options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
        Mount(
            destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
            options: ["ro", "nosuid", "noexec", "nodev"]),
        Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
        Mount(
            destination: "/dev/shm", type: "tmpfs", source: "shm",
            options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
    ]

    public static let maskedPaths: [String] = [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ]

    public static let readonlyPaths: [String] = [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ]

    public static let namespaces: [LinuxNamespace] = [
        LinuxNamespace(type: "pid"), LinuxNamespace(type: "ipc"), LinuxNamespace(type: "uts"),
        LinuxNamespace(type: "mount"), LinuxNamespace(type: "network"), LinuxNamespace(type: "cgroup"),
    ]

    /// The devices cgroup: deny everything, then allow mknod of any node (using one needs an allow rule)
    /// and the standard nodes; /dev/fuse stays denied, as Docker has it.
    public static let deviceCgroupRules: [LinuxDeviceCgroup] = [
        LinuxDeviceCgroup(allow: false, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", access: "m"),
        LinuxDeviceCgroup(allow: true, type: "b", access: "m"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),  // /dev/null
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),  // /dev/zero
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),  // /dev/full
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),  // /dev/random
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),  // /dev/urandom
        LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),  // /dev/tty
        LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 1, access: "rwm"),  // /dev/console
        LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),  // /dev/pts/ptmx
        LinuxDeviceCgroup(allow: true, type: "c", major: 136, access: "rwm"),  // /dev/pts/*
        LinuxDeviceCgroup(allow: true, type: "c", major: 10, minor: 200, access: "rwm"),  // /dev/net/tun
        LinuxDeviceCgroup(allow: false, type: "c", major: 10, minor: 229, access: "rwm"),  // /dev/fuse
    ]

    /// The open-files limit Podman sets (Docker sets none), clamped to what the host allows so it can
    /// always be applied.
    public static let nofile: UInt64 = 1_048_576

    /// Default rlimits, never above the host's hard limits.
    public static func rlimits() -> [POSIXRlimit] {
        HostLimits.clamp([POSIXRlimit(type: "RLIMIT_NOFILE", hard: nofile, soft: nofile)])
    }

    /// The environment Docker starts with: PATH, HOSTNAME when there is one, TERM=xterm with a terminal.
    public static func environment(hostname: String?, terminal: Bool) -> [String] {
        var env = [pathEnv]
        if let hostname { env.append("HOSTNAME=" + hostname) }
        if terminal { env.append("TERM=xterm") }
        return env
    }

    /// HOME as runc sets it for Docker: kept when the environment gives a non-empty one, else the user's
    /// home directory from the image's /etc/passwd, "/" for a user without one.
    public static func withHome(_ env: [String], home: String?) -> [String] {
        if env.contains(where: { $0.hasPrefix("HOME=") && $0 != "HOME=" }) { return env }
        let value = home.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        return env.filter { $0 != "HOME=" } + ["HOME=" + value]
    }

    /// The Spec `skiff run` starts from: Docker's capabilities, mounts, masked and read-only paths,
    /// namespaces, device rules and seccomp profile, running `args` as root in `/`.
    public static func spec(rootfs: String, args: [String], terminal: Bool = false, hostname: String? = nil) -> Spec {
        let process = Process(
            terminal: terminal,
            user: User(uid: 0, gid: 0),
            args: args,
            env: environment(hostname: hostname, terminal: terminal),
            cwd: "/",
            capabilities: .uniform(capabilities),
            rlimits: rlimits(),
            noNewPrivileges: noNewPrivileges
        )
        let linux = Linux(
            namespaces: namespaces,
            resources: LinuxResources(devices: deviceCgroupRules),
            seccomp: DefaultSeccompProfile.make(capabilities: capabilities),
            maskedPaths: maskedPaths,
            readonlyPaths: readonlyPaths
        )
        return Spec(
            process: process, root: Root(path: rootfs, readonly: false), hostname: hostname,
            mounts: mounts, linux: linux)
    }
}
