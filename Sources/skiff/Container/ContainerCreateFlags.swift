import ArgumentParser
import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
import SkiffSystem

/// The flags `skiff run` and `skiff create` share (Docker's create flags: run adds only -d), and what
/// turns them into a container record: validation, env files, a seccomp profile, the --pull policy.
struct ContainerCreateFlags: ParsableArguments {
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
    @Option(name: .customLong("log-opt"), help: "max-size=SIZE (e.g. 10m; 0 or -1: unlimited) or max-file=N.")
    var logOpt: [String] = []

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
        name: .customLong("storage-opt"), help: "Storage driver option: size=SIZE (overlay over xfs with pquota only).")
    var storageOpt: [String] = []
    @Option(name: .customLong("gpus"), help: "Refused: skiff has no GPU support.") var gpus: String?
    @Option(name: .customLong("ip6"), help: "IPv6 address on a user-defined network with IPv6 (network create --ipv6).")
    var ip6: String?
    @Option(
        name: .customLong("link-local-ip"),
        help: "A link-local address (169.254.x.x or fe80::x) for the container's interface.")
    var linkLocalIP: [String] = []

    /// The flags above as SkiffKit maps them (CreateFlagValues.apply).
    var createFlagValues: CreateFlagValues {
        var v = CreateFlagValues()
        v.ulimit = ulimit
        v.cpuShares = cpuShares
        v.cpusetCpus = cpusetCpus
        v.cpusetMems = cpusetMems
        v.shmSize = shmSize
        v.memorySwap = memorySwap
        v.memoryReservation = memoryReservation
        v.oomScoreAdj = oomScoreAdj
        v.domainname = domainname
        v.annotation = annotation
        v.logDriver = logDriver
        v.userns = userns
        v.runtime = runtime
        v.storageOpt = storageOpt
        v.gpus = gpus
        v.ip6 = ip6
        v.linkLocalIP = linkLocalIP
        return v
    }

    /// --label-file's labels, in file order (the -l flags override them, as in Docker).
    func fileLabels() throws -> [(key: String, value: String)] {
        try labelFile.flatMap { path in
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("--label-file \(path): cannot read the file (does it exist?)")
            }
            return try LabelFile.parse(text, path: path)
        }
    }

    /// --cidfile: claimed before the container exists (Docker refuses a file already there), filled
    /// with the ID once it is made, removed again when the create fails.
    func withCIDFile(_ create: () throws -> Container) throws -> Container {
        guard let cidfile else { return try create() }
        let fd = open(cidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == EEXIST {
                throw ValidationError(
                    "container ID file found, make sure the other container isn't running or delete \(cidfile)")
            }
            throw ValidationError("--cidfile \(cidfile): cannot create the file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        do {
            let container = try create()
            try FileIO.writeAll(fd: fd, bytes: Array(container.id.utf8))
            return container
        } catch {
            unlink(cidfile)
            throw error
        }
    }

    @Option(name: .customLong("pull"), help: "Pull the image: missing (default), always or never.") var pull = "missing"
    @Option(name: .customLong("tls-verify"), help: "For a pull: require https with a valid certificate.")
    var tlsVerify = true

    /// Make the container record (not started) from `runOptions`: read env files and a seccomp profile
    /// (so errors name them), pull the image as --pull says, then `Engine.createContainer`.
    func createContainer(_ engine: Engine, image: String, options: RunOptions) throws -> Container {
        var contents: [String: String] = [:]
        for path in envFile {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("--env-file \(path): cannot read the file (does it exist?)")
            }
            contents[path] = text
        }
        return try withCIDFile {
            let requested = try requestedPlatform()
            if let entry = indexEntry(engine, image: image, requested: requested) {
                return try engine.createContainer(
                    from: entry, imageName: image, options: options,
                    callerEnvironment: ProcessInfo.processInfo.environment,
                    envFileContents: contents)
            }
            // The image as the pull decision found it: read once (its manifest and config decoded), not
            // again by the create.
            guard let stored = try pullIfNeeded(engine, image: image, requested: requested) else {
                return try engine.createContainer(
                    image: image, options: options,
                    callerEnvironment: ProcessInfo.processInfo.environment,
                    envFileContents: contents)
            }
            warnOnForeignImage(stored.config)
            return try engine.createContainer(
                from: stored, imageName: image, options: options,
                callerEnvironment: ProcessInfo.processInfo.environment,
                envFileContents: contents)
        }
    }

    /// `--platform`, normalized, when given. Another architecture than this machine's runs as Docker runs
    /// it, through an emulator registered with binfmt_misc; without one it is refused before anything is
    /// made.
    func requestedPlatform() throws -> Platform? {
        guard let platform else { return nil }
        if let os = Platform(parsing: platform)?.os, os != "linux" {
            throw ValidationError(
                "--platform \(platform): image operating system \"\(os)\" cannot be used on this platform")
        }
        let p: Platform
        do { p = try BuildPlatform.parse(platform) } catch { throw ValidationError("--platform \(error.description)") }
        guard BuildPlatform.runsHere(p) else {
            throw ValidationError("--platform \(platform): \(BuildPlatform.needsEmulator(p))")
        }
        return p
    }

    /// With --platform, a multi-platform image's entry for it (the name itself stands for this machine's).
    func indexEntry(_ engine: Engine, image: String, requested: Platform?) -> StoredImage? {
        guard pull != "always", let requested, let ref = try? ImageReference(parsing: image) else { return nil }
        return engine.storedEntry(of: ref, for: requested)
    }

    /// Docker's --pull: missing pulls only when the image is not in the store (or, with --platform, the
    /// store's image of that name is for another platform: the name then moves to the one pulled, as in
    /// Docker's image store).
    /// Returns the image the name then points at (nil: none, which creating then reports).
    @discardableResult
    func pullIfNeeded(_ engine: Engine, image: String, requested: Platform?) throws -> StoredImage? {
        let local = try? engine.images.resolve(image)
        let mismatch = local.flatMap { local in
            requested.flatMap { BuildPlatform.config(local.config, is: $0) ? nil : ($0, local.config) }
        }
        switch pull {
        case "never":
            if let (wanted, config) = mismatch {
                throw ValidationError(
                    "image with reference \(image) was found but does not match the specified platform: wanted \(BuildPlatform.format(wanted)), actual: \(Self.platformText(config))"
                )
            }
            return local
        case "missing":
            if let local, mismatch == nil { return local }
        case "always": break
        default: throw ValidationError("--pull \(pull): expected missing, always or never")
        }
        let reference = try ImageReference(parsing: image)
        var options = PullOptions(registry: RegistryOptions(tlsVerify: tlsVerify))
        if let requested { options.platform = requested }
        if !quiet { FileHandleStderr.write("Unable to find image '\(reference.familiar)' locally\n") }
        try Interruptible.run {
            do {
                let progress: (@Sendable (PullEvent) -> Void)? = quiet ? nil : PullProgress().handle
                _ = try Puller(store: engine.images, options: options, progress: progress).pull(reference)
                engine.events.record(reference: reference, "pull")
            } catch {
                let local = ((try? engine.images.list()) ?? []).flatMap(\.references)
                guard let near = NearestName.suggest(reference.familiarName, among: local.map(\.familiarName)),
                    let match = local.first(where: { $0.familiarName == near })
                else { throw error }
                throw PullFailure(underlying: "\(error)", localSuggestion: match.familiar)
            }
        }
        return try? engine.images.resolve(image)
    }

    /// Docker's warning (on stderr) when an image of another platform runs without --platform; it runs
    /// all the same (through binfmt_misc, or failing at exec as in Docker).
    func warnOnForeignImage(_ config: ImageConfig) {
        guard platform == nil, let own = try? BuildPlatform.parse(Self.platformText(config)),
            !BuildPlatform.isNative(own)
        else { return }
        FileHandleStderr.write(
            "WARNING: The requested image's platform (\(Self.platformText(config))) does not match the detected host platform (\(BuildPlatform.format(BuildPlatform.host))) and no specific platform was requested\n"
        )
    }

    /// `os/arch[/variant]` of an image config.
    static func platformText(_ config: ImageConfig) -> String {
        [config.os, config.architecture, config.variant].compactMap { $0 }.joined(separator: "/")
    }

    /// A pull that failed for an image whose name is close to one already here (a typo, most likely).
    struct PullFailure: Error, CustomStringConvertible {
        var underlying: String
        var localSuggestion: String
        var description: String { underlying + "\nDid you mean the local image \(localSuggestion)?" }
    }

    /// The flags as the engine takes them (validated: a bad value is an error naming its flag, before any
    /// record exists). `command` is the command line after the image (a leading `--` dropped).
    func runOptions(command: [String]) throws -> RunOptions {
        if let isolation {
            do { try Isolation.check(isolation) } catch { throw ValidationError("--isolation: \(error.description)") }
        }
        _ = try requestedPlatform()
        var o = RunOptions()
        o.name = name
        o.command = command.first == "--" ? Array(command.dropFirst()) : command
        o.entrypoint = entrypoint
        o.env = env
        o.envFiles = envFile
        o.workdir = workdir
        if let workdir, !workdir.hasPrefix("/") {
            throw ValidationError("-w \(workdir): the working directory must be an absolute path")
        }
        o.user = user
        o.hostname = hostname
        o.remove = remove
        o.interactive = interactive
        o.tty = tty
        if tty, let size = WindowSizeWatch.size(of: STDIN_FILENO) {
            o.consoleSize = ConsoleSize(height: UInt(size.rows), width: UInt(size.columns))
        }
        let networks: [NetworkAttachmentFlag]
        do { networks = try NetworkAttachmentFlag.parseAll(network) } catch { throw ValidationError("\(error)") }
        o.network = try RunOptions.NetworkMode(parsing: networks.first?.name ?? "bridge")
        do {
            if let pid { o.namespaces.pid = try .init(parsing: pid) }
            if let ipc { o.namespaces.ipc = try .init(parsing: ipc) }
            if let uts { o.namespaces.uts = try .init(parsing: uts) }
            if let cgroupns { o.namespaces.cgroupns = try .parse(cgroupns) }
            try o.namespaces.validate(hostname: hostname)
        } catch { throw ValidationError("\(error)") }
        o.names.extraHosts = addHost
        o.names.dns = dns
        o.names.dnsSearch = dnsSearch
        o.names.dnsOptions = dnsOption
        try o.names.validate()
        if let memory { o.memory = try RunFlagParser.bytes(memory, flag: "--memory") }
        if let cpus { o.cpus = try RunFlagParser.checked(cpus, flag: "--cpus", Units.parseCPUs) }
        try resourceFlags(into: &o.resources)
        do {
            try createFlagValues.apply(to: &o)
            _ = try AttachStreams(parsing: attach)
        } catch { throw ValidationError("\(error)") }
        for (key, value) in try fileLabels() { o.labels[key] = value }
        if let pidsLimit {
            // Docker: 0 or -1 (any value <= 0) is unlimited.
            let n = try RunFlagParser.integer(pidsLimit, flag: "--pids-limit", in: Int64.min...Int64.max)
            o.pidsLimit = n > 0 ? n : nil
        }
        o.readOnly = readOnly
        o.capAdd = capAdd
        o.capDrop = capDrop
        o.sysctls = try ContainerSysctls.parse(sysctl)
        o.privileged = privileged
        try SecurityOptions.apply(
            securityOpt, to: &o, directory: FileManager.default.currentDirectoryPath, origin: "--security-opt")
        o.initProcess = initProcess
        if let restart { o.restart = try RestartPolicy(parsing: restart) }
        o.healthCmd = healthCmd
        func duration(_ text: String?, _ flag: String) throws -> Int64? {
            guard let text else { return nil }
            return try RunFlagParser.checked(text, flag: flag) { (t: String) throws(Units.Invalid) in
                try Units.parseDuration(t)
            }
        }
        o.healthInterval = try duration(healthInterval, "--health-interval")
        o.healthTimeout = try duration(healthTimeout, "--health-timeout")
        o.healthStartPeriod = try duration(healthStartPeriod, "--health-start-period")
        o.healthStartInterval = try duration(healthStartInterval, "--health-start-interval")
        o.healthRetries = try healthRetries.map {
            Int(try RunFlagParser.integer($0, flag: "--health-retries", in: 1...Int64(Int32.max)))
        }
        o.noHealthcheck = noHealthcheck
        o.stopSignal = stopSignal
        o.stopTimeout = try stopTimeout.map {
            Int(try RunFlagParser.integer($0, flag: "--stop-timeout", in: 0...Int64(Int32.max)))
        }
        for opt in logOpt {
            let kv = opt.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw ValidationError("--log-opt \(opt): expected max-size=SIZE or max-file=N") }
            switch kv[0] {
            case "max-size":
                o.logMaxSize =
                    kv[1] == "-1" || kv[1] == "0" ? 0 : try RunFlagParser.bytes(kv[1], flag: "--log-opt max-size")
            case "max-file":
                o.logMaxFiles = Int(
                    try RunFlagParser.integer(kv[1], flag: "--log-opt max-file", in: 1...Int64(Int32.max)))
            default:
                throw ValidationError("--log-opt \(opt): supported are max-size and max-file (the json-file driver)")
            }
        }
        for p in publish { _ = try PortMapping.parse(p) }
        o.publish = publish
        o.publishAll = publishAll
        o.expose = expose
        o.networkAliases = networkAlias
        o.ip = ip
        do {
            o.macAddress = try macAddress.map { m throws(KitError) in try MACAddress.parse(m, origin: "--mac-address") }
            for l in link { _ = try ContainerNetworkRequest.Link.parse(l, origin: "--link") }
        } catch { throw ValidationError("\(error)") }
        o.links = link
        do { try networks.first?.apply(to: &o) } catch { throw ValidationError("\(error)") }
        o.extraNetworks = Array(networks.dropFirst())
        do {
            o.mounts =
                try volume.map(MountRequest.parseVolume) + mount.map(MountRequest.parseMount)
                + tmpfs.map(MountRequest.parseTmpfs)
        } catch { throw ValidationError("\(error)") }
        o.volumesFrom = volumesFrom
        do {
            o.devices = try device.map { d throws(KitError) in try DeviceMapping(parsing: d, origin: "--device") }
            for rule in deviceCgroupRule { _ = try DeviceCgroupRule.parse(rule) }
        } catch { throw ValidationError("\(error)") }
        o.deviceCgroupRules = deviceCgroupRule
        o.groupAdd = groupAdd
        for l in label {
            let parts = l.split(separator: "=", maxSplits: 1).map(String.init)
            o.labels[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return o
    }
}

extension ContainerCreateFlags {
    /// --cpu-period/--cpu-quota/--cpu-rt-*, --memory-swappiness, --oom-kill-disable and the block I/O flags.
    func resourceFlags(into r: inout ContainerResourceOptions) throws {
        if let cpuPeriod {
            r.cpuPeriod = UInt64(try RunFlagParser.integer(cpuPeriod, flag: "--cpu-period", in: 0...1_000_000))
        }
        if let cpuQuota { r.cpuQuota = try RunFlagParser.integer(cpuQuota, flag: "--cpu-quota", in: -1...Int64.max) }
        if let cpuRtPeriod {
            r.cpuRealtimePeriod = UInt64(
                try RunFlagParser.integer(cpuRtPeriod, flag: "--cpu-rt-period", in: 0...Int64.max))
        }
        if let cpuRtRuntime {
            r.cpuRealtimeRuntime = try RunFlagParser.integer(cpuRtRuntime, flag: "--cpu-rt-runtime", in: -1...Int64.max)
        }
        if let memorySwappiness {
            let n = try RunFlagParser.integer(memorySwappiness, flag: "--memory-swappiness", in: -1...100)
            r.memorySwappiness = n < 0 ? nil : UInt64(n)
        }
        if oomKillDisable { r.oomKillDisable = true }
        r.cgroupParent = cgroupParent
        if let blkioWeight {
            let n = try RunFlagParser.integer(blkioWeight, flag: "--blkio-weight", in: 0...1000)
            guard BlockIOOptions.checkWeight(UInt64(n)) else {
                throw ValidationError(
                    "invalid value \"\(blkioWeight)\" for --blkio-weight: the range is from 10 to 1000")
            }
            r.blockIO.weight = n == 0 ? nil : UInt16(n)
        }
        /// DEVICE:VALUE, DEVICE under /dev as Docker's CLI checks it.
        func devices(_ list: [String], _ flag: String, _ value: (String) throws -> UInt64) throws
            -> [BlockIOOptions.DeviceValue]
        {
            try list.map { item in
                guard let colon = item.lastIndex(of: ":"), item.hasPrefix("/dev/") else {
                    throw ValidationError(
                        "invalid value \"\(item)\" for \(flag): expected DEVICE:VALUE with DEVICE under /dev")
                }
                return .init(path: String(item[..<colon]), value: try value(String(item[item.index(after: colon)...])))
            }
        }
        r.blockIO.weightDevices = try devices(blkioWeightDevice, "--blkio-weight-device") {
            UInt64(try RunFlagParser.integer($0, flag: "--blkio-weight-device", in: 10...1000))
        }
        r.blockIO.readBps = try devices(deviceReadBps, "--device-read-bps") {
            UInt64(try RunFlagParser.bytes($0, flag: "--device-read-bps"))
        }
        r.blockIO.writeBps = try devices(deviceWriteBps, "--device-write-bps") {
            UInt64(try RunFlagParser.bytes($0, flag: "--device-write-bps"))
        }
        r.blockIO.readIOPS = try devices(deviceReadIops, "--device-read-iops") {
            UInt64(try RunFlagParser.integer($0, flag: "--device-read-iops", in: 0...Int64.max))
        }
        r.blockIO.writeIOPS = try devices(deviceWriteIops, "--device-write-iops") {
            UInt64(try RunFlagParser.integer($0, flag: "--device-write-iops", in: 0...Int64.max))
        }
        do { try r.validate() } catch { throw ValidationError("\(error)") }
    }
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
