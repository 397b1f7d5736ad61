import ArgumentParser
import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
import SkiffSystem

/// The flags `skiff run` and `skiff create` share (Docker's create flags: run adds only -d), as
/// ArgumentParser reads them. What turns them into a container record is `CreateFlagSet`'s.
struct ContainerCreateFlags: ParsableArguments, CreateFlagSet {
    @Option(name: .long, help: "Name the container (default: a random readable name).") var name: String?
    @Option(
        name: [.customShort("e"), .long], help: "Set an environment variable (KEY=VALUE, or KEY to pass the caller's).")
    var env: [String] = []
    @Option(name: .customLong("env-file"), help: "Read environment variables from a file (KEY=VALUE lines).")
    var envFile: [String] = []
    @Option(name: [.customShort("w"), .customLong("workdir")], help: "Working directory inside the container.")
    var workdir: String?
    @Option(name: [.customShort("u"), .long], help: "User: name, uid, name:group or uid:gid.") var user: String?
    @Option(name: [.customShort("h"), .long], help: "Container host name (default: the first 12 digits of its ID).")
    var hostname: String?
    @Option(name: .long, help: "Overwrite the image's ENTRYPOINT (\"\" clears it).") var entrypoint: String?
    @Flag(name: .customLong("rm"), help: "Remove the container when it exits.") var remove = false
    @Flag(name: [.customShort("i"), .long], help: "Keep stdin open (pass it to the container).") var interactive = false
    @Flag(name: [.customShort("t"), .long], help: "Give the container a terminal.") var tty = false
    @Option(
        name: .customLong("network"),
        help:
            "bridge (the default: skiff0, outbound NAT), none (loopback only), host, container:NAME, or a network made by `skiff network create`; or name=NET,alias=A,ip=IP,ip6=IP,mac-address=MAC,link-local-ip=IP,driver-opt=K=V. Repeat it to join more user-defined networks."
    ) var network: [String] = []
    @Option(name: .customLong("pid"), help: "PID namespace: host, or container:NAME (default: its own).")
    var pid: String?
    @Option(
        name: .customLong("ipc"),
        help: "IPC namespace: private (the default), shareable, host, none (no /dev/shm) or container:NAME.")
    var ipc: String?
    @Option(name: .customLong("uts"), help: "UTS namespace: host (the host's hostname; default: its own).")
    var uts: String?
    @Option(
        name: .customLong("cgroupns"),
        help: "Cgroup namespace: host or private (default: private on cgroup v2 hosts, host on v1 and hybrid).")
    var cgroupns: String?
    @Option(name: .customLong("network-alias"), help: "Another name for the container on a user-defined network.")
    var networkAlias: [String] = []
    @Option(name: .customLong("ip"), help: "IPv4 address on a user-defined network.") var ip: String?
    @Option(
        name: .customLong("mac-address"), help: "MAC address of the container's interface (e.g. 02:42:ac:11:00:99).")
    var macAddress: String?
    @Option(name: .customLong("link"), help: "Reach another running container as NAME[:ALIAS] (an /etc/hosts entry).")
    var link: [String] = []
    @Option(name: .customLong("add-host"), help: "Add a line to /etc/hosts: NAME:IP (IP may be host-gateway).")
    var addHost: [String] = []
    @Option(name: .customLong("dns"), help: "A DNS server for the container's resolv.conf.") var dns: [String] = []
    @Option(name: .customLong("dns-search"), help: "A DNS search domain.") var dnsSearch: [String] = []
    @Option(name: .customLong("dns-option"), help: "A resolver option (e.g. ndots:2).") var dnsOption: [String] = []
    @Flag(
        name: [.customShort("P"), .customLong("publish-all")], help: "Publish every EXPOSEd port on a free host port.")
    var publishAll = false
    @Option(name: .customLong("expose"), help: "Expose a port or a range of ports (e.g. 9000, 53/udp, 8000-8010).")
    var expose: [String] = []
    // Numbers take the next argument unconditionally, as Docker does, so "--memory -1" is a value
    // refused by name rather than a flag called "-1".
    @Option(name: [.customShort("m"), .long], parsing: .unconditional, help: "Memory limit (e.g. 512m, 1g).")
    var memory: String?
    @Option(name: .long, parsing: .unconditional, help: "CPUs (e.g. 0.5, 2).") var cpus: String?
    @Option(name: .customLong("cpu-period"), parsing: .unconditional, help: "CFS period in microseconds.")
    var cpuPeriod: String?
    @Option(name: .customLong("cpu-quota"), parsing: .unconditional, help: "CFS quota in microseconds per period.")
    var cpuQuota: String?
    @Option(name: .customLong("cpu-rt-period"), parsing: .unconditional, help: "Real-time period in microseconds.")
    var cpuRtPeriod: String?
    @Option(
        name: .customLong("cpu-rt-runtime"), parsing: .unconditional, help: "Real-time runtime in microseconds.")
    var cpuRtRuntime: String?
    @Option(
        name: .customLong("memory-swappiness"), parsing: .unconditional,
        help: "Swappiness 0-100 (-1: the kernel's; cgroup v1).") var memorySwappiness: String?
    @Flag(name: .customLong("oom-kill-disable"), help: "Disable the OOM killer (cgroup v1).") var oomKillDisable =
        false
    @Option(name: .customLong("cgroup-parent"), help: "The cgroup the container's cgroup goes under (default /skiff).")
    var cgroupParent: String?
    @Option(name: .customLong("blkio-weight"), parsing: .unconditional, help: "Block I/O weight, 10-1000 (0: off).")
    var blkioWeight: String?
    @Option(name: .customLong("blkio-weight-device"), help: "Block I/O weight of a device: DEVICE:WEIGHT.")
    var blkioWeightDevice: [String] = []
    @Option(name: .customLong("device-read-bps"), help: "Read limit of a device: DEVICE:RATE (e.g. /dev/sda:1mb).")
    var deviceReadBps: [String] = []
    @Option(name: .customLong("device-write-bps"), help: "Write limit of a device: DEVICE:RATE (e.g. /dev/sda:1mb).")
    var deviceWriteBps: [String] = []
    @Option(name: .customLong("device-read-iops"), help: "Read operations per second of a device: DEVICE:N.")
    var deviceReadIops: [String] = []
    @Option(name: .customLong("device-write-iops"), help: "Write operations per second of a device: DEVICE:N.")
    var deviceWriteIops: [String] = []
    @Option(
        name: .customLong("pids-limit"), parsing: .unconditional,
        help: "Maximum number of processes (0 or -1: unlimited).") var pidsLimit: String?
    @Flag(name: .customLong("read-only"), help: "Mount the root filesystem read-only.") var readOnly = false
    @Option(name: .customLong("cap-add"), help: "Add a capability (e.g. NET_ADMIN, or ALL).") var capAdd: [String] = []
    @Option(name: .customLong("cap-drop"), help: "Drop a capability (e.g. CHOWN, or ALL).") var capDrop: [String] = []
    @Option(
        name: .customLong("sysctl"),
        help: "A kernel setting of the container's namespaces (e.g. net.ipv4.ip_forward=1).") var sysctl: [String] = []
    @Flag(name: .long, help: "All capabilities, no seccomp, no masked paths, all devices allowed.") var privileged =
        false
    @Option(name: .customLong("security-opt"), help: "seccomp=unconfined, seccomp=PROFILE.json or no-new-privileges.")
    var securityOpt: [String] = []
    @Flag(name: .customLong("init"), help: "Run tini as pid 1 to reap zombies and forward signals.") var initProcess =
        false
    @Option(
        name: [.customShort("p"), .customLong("publish")],
        help: "Publish a port: [ip:][hostPort:]containerPort[/tcp|/udp], ranges allowed.") var publish: [String] = []
    @Option(name: [.customShort("l"), .customLong("label")], help: "Set a label (KEY=VALUE).") var label: [String] = []
    @Option(name: .customLong("platform"), help: "Platform of the image to use (os/arch).") var platform: String?
    @Option(
        name: .customLong("restart"), help: "Restart policy: no, on-failure[:max-retries], always or unless-stopped.")
    var restart: String?
    @Option(name: .customLong("health-cmd"), help: "Healthcheck command (run with /bin/sh -c).") var healthCmd: String?
    @Option(
        name: .customLong("health-interval"), parsing: .unconditional,
        help: "Time between healthchecks (e.g. 30s, 1m30s).") var healthInterval: String?
    @Option(name: .customLong("health-timeout"), parsing: .unconditional, help: "Time a healthcheck may take.")
    var healthTimeout: String?
    @Option(
        name: .customLong("health-start-period"), parsing: .unconditional,
        help: "Start period: failures then do not count.") var healthStartPeriod: String?
    @Option(
        name: .customLong("health-start-interval"), parsing: .unconditional,
        help: "Time between healthchecks during the start period (default 5s).") var healthStartInterval: String?
    @Option(
        name: .customLong("health-retries"), parsing: .unconditional, help: "Failures in a row that make it unhealthy.")
    var healthRetries: String?
    @Flag(name: .customLong("no-healthcheck"), help: "Disable the image's HEALTHCHECK.") var noHealthcheck = false
    @Option(
        name: .customLong("stop-signal"),
        help: "Signal `stop` sends first (default: the image's STOPSIGNAL, else SIGTERM).") var stopSignal: String?
    @Option(
        name: .customLong("stop-timeout"), parsing: .unconditional,
        help: "Seconds `stop` waits before SIGKILL (default 10).") var stopTimeout: String?
    @Option(
        name: [.customShort("v"), .customLong("volume")],
        help: "Mount a volume or host path: NAME:/path[:ro], /host/path:/path[:ro], or /path (an anonymous volume).")
    var volume: [String] = []
    @Option(
        name: .customLong("mount"),
        help: "Mount: type=volume|bind|tmpfs,source=…,target=…[,readonly][,volume-nocopy][,tmpfs-size=…].") var mount:
        [String] = []
    @Option(name: .customLong("tmpfs"), help: "Mount a tmpfs: /path[:options] (e.g. /run:size=64m,mode=1770).")
    var tmpfs: [String] = []
    @Option(name: .customLong("volumes-from"), help: "Mount the volumes of another container: NAME[:ro|rw].")
    var volumesFrom: [String] = []
    @Option(
        name: .customLong("device"),
        help: "Give the container a host device: HOST[:CONTAINER][:PERMISSIONS] (e.g. /dev/snd, /dev/sdb:/dev/xvdb:r).")
    var device: [String] = []
    @Option(
        name: .customLong("device-cgroup-rule"),
        help: "Allow more devices in the devices cgroup: \"TYPE MAJOR:MINOR ACCESS\" (e.g. \"c 42:* rmw\").")
    var deviceCgroupRule: [String] = []
    @Option(
        name: .customLong("group-add"),
        help: "Add a supplementary group (a name in the image's /etc/group, or a number).") var groupAdd: [String] = []
    @Option(
        name: .customLong("log-opt"),
        help:
            "max-size=SIZE (10m; 0 or -1: unlimited), max-file=N, labels=A,B, labels-regex=RE, env=A,B, env-regex=RE, tag=TEMPLATE, mode, max-buffer-size."
    )
    var logOpt: [String] = []
    @Option(name: .customLong("volume-driver"), help: "The driver of the volumes -v creates (only local).")
    var volumeDriver: String?
    @Flag(
        name: .customLong("disable-content-trust"), inversion: .prefixedNo, exclusivity: .chooseLast,
        help: ContentTrust.help)
    var disableContentTrust = true

    // MARK: the rest of Docker's create flags (issue 14), mapped by SkiffKit's CreateFlagValues
    @Option(
        name: .customLong("ulimit"), help: "A resource limit: NAME=SOFT[:HARD] (e.g. nofile=1024:2048; -1: unlimited).")
    var ulimit: [String] = []
    @Option(
        name: [.customShort("c"), .customLong("cpu-shares")], parsing: .unconditional,
        help: "Relative CPU weight (default 1024).")
    var cpuShares: String?
    @Option(name: .customLong("cpuset-cpus"), help: "CPUs the container may run on (e.g. 0-3, 0,1).") var cpusetCpus:
        String?
    @Option(name: .customLong("cpuset-mems"), help: "Memory nodes the container may use (e.g. 0-3, 0,1).")
    var cpusetMems: String?
    @Option(name: .customLong("shm-size"), parsing: .unconditional, help: "Size of /dev/shm (default 64m).")
    var shmSize: String?
    @Option(
        name: .customLong("memory-swap"), parsing: .unconditional,
        help: "Memory plus swap (-1: unlimited swap; needs -m).")
    var memorySwap: String?
    @Option(name: .customLong("memory-reservation"), parsing: .unconditional, help: "Memory soft limit (e.g. 256m).")
    var memoryReservation: String?
    @Option(name: .customLong("oom-score-adj"), parsing: .unconditional, help: "OOM score adjustment, -1000 to 1000.")
    var oomScoreAdj: String?
    @Option(name: .customLong("domainname"), help: "The container's NIS domain name.") var domainname: String?
    @Option(name: .customLong("annotation"), help: "An OCI annotation: KEY=VALUE.") var annotation: [String] = []
    @Option(name: .customLong("label-file"), help: "Read labels from a file (KEY=VALUE lines).") var labelFile:
        [String] = []
    @Option(name: .customLong("cidfile"), help: "Write the container ID to this file (which must not exist).")
    var cidfile: String?
    @Option(
        name: [.customShort("a"), .customLong("attach")], help: "Attach only these streams: STDIN, STDOUT, STDERR.")
    var attach: [String] = []
    @Option(
        name: .customLong("sig-proxy"),
        help:
            "Forward received signals to the process (--sig-proxy=false: do not; the container then runs under a monitor)."
    )
    var sigProxy = true
    @Option(name: .customLong("log-driver"), help: "Logging driver: json-file (default), local or none.") var logDriver:
        String?
    @Flag(name: [.customShort("q"), .long], help: "Suppress the pull output.") var quiet = false
    @Option(name: .customLong("userns"), help: "User namespace: host (the only mode; skiff has no remapping).")
    var userns: String?
    @Option(name: .customLong("runtime"), help: "Runtime: skiff (the only one).") var runtime: String?
    @Option(name: .customLong("isolation"), help: "Container isolation technology: default (the only one on Linux).")
    var isolation: String?
    @Option(
        name: .customLong("storage-opt"),
        help: "Storage driver option: size=SIZE (a state root on xfs pquota or ext4 prjquota).")
    var storageOpt: [String] = []
    @Option(name: .customLong("gpus"), help: "Refused: skiff has no GPU support.") var gpus: String?
    @Option(name: .customLong("ip6"), help: "IPv6 address on a user-defined network with IPv6 (network create --ipv6).")
    var ip6: String?
    @Option(
        name: .customLong("link-local-ip"),
        help: "A link-local address (169.254.x.x or fe80::x) for the container's interface.")
    var linkLocalIP: [String] = []

    @Option(name: .customLong("pull"), help: "Pull the image: missing (default), always or never.") var pull = "missing"
    @Option(name: .customLong("tls-verify"), help: "For a pull: require https with a valid certificate.")
    var tlsVerify = true
}

/// Flag values as Docker spells them, through the shared checked parsers (`Units`): a bad value is
/// `invalid value "TEXT" for FLAG: REASON`, which `refusedBeforeStart` turns into Docker's exit 125.
enum RunFlagParser {
    /// "512m", "1g", "100k", "1024", "1.5g" → bytes.
    static func bytes(_ text: String, flag: String) throws -> Int64 {
        let bytes = try checked(text, flag: flag, Units.parseBytes)
        guard bytes >= 6 * 1024 * 1024 || flag != "--memory" else {
            throw ValidationError("invalid value \"\(text)\" for \(flag): the minimum memory limit is 6m")
        }
        return bytes
    }

    static func integer(_ text: String, flag: String, in range: ClosedRange<Int64>) throws -> Int64 {
        try checked(text, flag: flag) { (t: String) throws(Units.Invalid) in try Units.parseInteger(t, in: range) }
    }

    static func checked<T>(_ text: String, flag: String, _ parse: (String) throws(Units.Invalid) -> T) throws -> T {
        do { return try parse(text) } catch { throw ValidationError(error.message(text, for: flag)) }
    }
}

/// Docker's exit code for its own errors, before the container runs (a bad flag, a missing image):
/// the message on stderr, exit 125 — never 1 or 64, which a container's own exit could be.
func refusedBeforeStart<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let exit as ExitCode { throw exit } catch {
        FileHandleStderr.write("Error: \(error)\n")
        throw ExitCode(125)
    }
}
