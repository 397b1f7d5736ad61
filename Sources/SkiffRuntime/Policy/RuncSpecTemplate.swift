// What `skiff oci spec` writes: the example config.json `runc spec` writes (runc's
// libcontainer/specconv Example), so a bundle made for runc works with Skiff and the reverse.
//
// Differences from runc 1.1's output: the hostname is "skiff"; no ambient set (runc 1.1 listed one
// without an inheritable set, which the kernel cannot raise; runc dropped it since); /sys/devices/virtual/tpm
// masked, as current runc does. Like runc, a cgroup namespace only on a cgroup v2 host: on v1 and hybrid a
// process of the container (an exec too) sees its full cgroup paths in /proc/self/cgroup, as callers expect.

import SkiffOCI

public enum RuncSpecTemplate {
    public static let capabilities = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]

    public static let maskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi", "/sys/devices/virtual/tpm",
    ]

    public static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    public static let mounts: [Mount] = [
        Mount(destination: "/proc", type: "proc", source: "proc"),
        Mount(
            destination: "/dev", type: "tmpfs", source: "tmpfs",
            options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        Mount(
            destination: "/dev/pts", type: "devpts", source: "devpts",
            options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        Mount(
            destination: "/dev/shm", type: "tmpfs", source: "shm",
            options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
        Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
        Mount(
            destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
            options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
    ]

    /// The namespaces; the cgroup one on a cgroup v2 host only (runc's `spec`).
    public static func namespaces(cgroupV2: Bool) -> [LinuxNamespace] {
        [
            LinuxNamespace(type: "pid"), LinuxNamespace(type: "network"), LinuxNamespace(type: "ipc"),
            LinuxNamespace(type: "uts"), LinuxNamespace(type: "mount"),
        ] + (cgroupV2 ? [LinuxNamespace(type: "cgroup")] : [])
    }

    /// The default config.json of `skiff oci spec` (rootfs "rootfs", read-only; `sh` on a terminal).
    public static func spec(
        rootfs: String = "rootfs", args: [String] = ["sh"], terminal: Bool = true,
        hostname: String = "skiff", cgroupV2: Bool = true
    ) -> Spec {
        let process = Process(
            terminal: terminal,
            user: User(uid: 0, gid: 0),
            args: args,
            env: [DockerDefaults.pathEnv, "TERM=xterm"],
            cwd: "/",
            capabilities: LinuxCapabilities(bounding: capabilities, effective: capabilities, permitted: capabilities),
            rlimits: [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)],
            noNewPrivileges: true
        )
        let linux = Linux(
            namespaces: namespaces(cgroupV2: cgroupV2),
            resources: LinuxResources(devices: [LinuxDeviceCgroup(allow: false, access: "rwm")]),
            maskedPaths: maskedPaths,
            readonlyPaths: readonlyPaths
        )
        return Spec(
            process: process, root: Root(path: rootfs, readonly: true), hostname: hostname, mounts: mounts,
            linux: linux)
    }
}
