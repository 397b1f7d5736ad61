import ArgumentParser
import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
import SkiffSystem

/// The values of the flags `skiff run` and `skiff create` share, whichever reader found them:
/// ArgumentParser's (`ContainerCreateFlags`) or the table-free one of the common forms
/// (`FastCreateFlags`, from `RunCommandLine`), and what turns them into a container record:
/// validation, env files, a seccomp profile, the --pull policy.
protocol CreateFlagSet {
    var name: String? { get }
    var env: [String] { get }
    var envFile: [String] { get }
    var workdir: String? { get }
    var user: String? { get }
    var hostname: String? { get }
    var entrypoint: String? { get }
    var remove: Bool { get }
    var interactive: Bool { get }
    var tty: Bool { get }
    var network: [String] { get }
    var pid: String? { get }
    var ipc: String? { get }
    var uts: String? { get }
    var cgroupns: String? { get }
    var networkAlias: [String] { get }
    var ip: String? { get }
    var macAddress: String? { get }
    var link: [String] { get }
    var addHost: [String] { get }
    var dns: [String] { get }
    var dnsSearch: [String] { get }
    var dnsOption: [String] { get }
    var publishAll: Bool { get }
    var expose: [String] { get }
    var memory: String? { get }
    var cpus: String? { get }
    var cpuPeriod: String? { get }
    var cpuQuota: String? { get }
    var cpuRtPeriod: String? { get }
    var cpuRtRuntime: String? { get }
    var memorySwappiness: String? { get }
    var oomKillDisable: Bool { get }
    var cgroupParent: String? { get }
    var blkioWeight: String? { get }
    var blkioWeightDevice: [String] { get }
    var deviceReadBps: [String] { get }
    var deviceWriteBps: [String] { get }
    var deviceReadIops: [String] { get }
    var deviceWriteIops: [String] { get }
    var pidsLimit: String? { get }
    var readOnly: Bool { get }
    var capAdd: [String] { get }
    var capDrop: [String] { get }
    var sysctl: [String] { get }
    var privileged: Bool { get }
    var securityOpt: [String] { get }
    var initProcess: Bool { get }
    var publish: [String] { get }
    var label: [String] { get }
    var platform: String? { get }
    var restart: String? { get }
    var healthCmd: String? { get }
    var healthInterval: String? { get }
    var healthTimeout: String? { get }
    var healthStartPeriod: String? { get }
    var healthStartInterval: String? { get }
    var healthRetries: String? { get }
    var noHealthcheck: Bool { get }
    var stopSignal: String? { get }
    var stopTimeout: String? { get }
    var volume: [String] { get }
    var mount: [String] { get }
    var tmpfs: [String] { get }
    var volumesFrom: [String] { get }
    var device: [String] { get }
    var deviceCgroupRule: [String] { get }
    var groupAdd: [String] { get }
    var logOpt: [String] { get }
    var volumeDriver: String? { get }
    var disableContentTrust: Bool { get }
    var ulimit: [String] { get }
    var cpuShares: String? { get }
    var cpusetCpus: String? { get }
    var cpusetMems: String? { get }
    var shmSize: String? { get }
    var memorySwap: String? { get }
    var memoryReservation: String? { get }
    var oomScoreAdj: String? { get }
    var domainname: String? { get }
    var annotation: [String] { get }
    var labelFile: [String] { get }
    var cidfile: String? { get }
    var attach: [String] { get }
    var sigProxy: Bool { get }
    var logDriver: String? { get }
    var quiet: Bool { get }
    var userns: String? { get }
    var runtime: String? { get }
    var isolation: String? { get }
    var storageOpt: [String] { get }
    var gpus: String? { get }
    var ip6: String? { get }
    var linkLocalIP: [String] { get }
    var pull: String { get }
    var tlsVerify: Bool { get }
}

extension CreateFlagSet {
    /// The flags SkiffKit maps itself (CreateFlagValues.apply): --ulimit, --cpu-shares ... --link-local-ip.
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
        [config.os, config.architecture, config.variant].compactMap { $0 }.concatenated(separator: "/")
    }

    /// The flags as the engine takes them (validated: a bad value is an error naming its flag, before any
    /// record exists). `command` is the command line after the image (a leading `--` dropped).
    func runOptions(command: [String]) throws -> RunOptions {
        if let isolation {
            do { try Isolation.check(isolation) } catch { throw ValidationError("--isolation: \(error.description)") }
        }
        _ = try requestedPlatform()
        try checkVolumeDriver()
        try ContentTrust.check(disabled: disableContentTrust)
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
        if case .container = o.network {} else { o.networkModeGiven = networks.first?.name ?? "default" }
        do {
            if let pid { o.namespaces.pid = try .init(parsing: pid) }
            if let ipc { o.namespaces.ipc = try .init(parsing: ipc) }
            if let uts { o.namespaces.uts = try .init(parsing: uts) }
            if let cgroupns { o.namespaces.cgroupns = try .parse(cgroupns) }
            try o.namespaces.validate(hostname: hostname)
        } catch { throw ValidationError("\(error)") }
        o.containerIDFile = cidfile
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
            guard kv.count == 2 else { throw ValidationError("--log-opt \(opt): expected KEY=VALUE") }
            // Every key is checked against the driver at create (LogDriver.check, Docker's message).
            o.logOptions[kv[0]] = kv[1]
            switch kv[0] {
            case "max-size":
                o.logMaxSize =
                    kv[1] == "-1" || kv[1] == "0" ? 0 : try RunFlagParser.bytes(kv[1], flag: "--log-opt max-size")
            case "max-file":
                o.logMaxFiles = Int(
                    try RunFlagParser.integer(kv[1], flag: "--log-opt max-file", in: 1...Int64(Int32.max)))
            default: break
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

/// A pull that failed for an image whose name is close to one already here (a typo, most likely).
struct PullFailure: Error, CustomStringConvertible {
    var underlying: String
    var localSuggestion: String
    var description: String { underlying + "\nDid you mean the local image \(localSuggestion)?" }
}

extension CreateFlagSet {
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
