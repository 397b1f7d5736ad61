import ArgumentParser
import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI

/// The flags `skiff run` and `skiff create` share (Docker's create flags: run adds only -d), and what
/// turns them into a container record: validation, env files, a seccomp profile, the --pull policy.
struct ContainerCreateFlags: ParsableArguments {
    @Option(name: .long, help: "Name the container (default: a random readable name).") var name: String?
    @Option(name: [.customShort("e"), .long], help: "Set an environment variable (KEY=VALUE, or KEY to pass the caller's).") var env: [String] = []
    @Option(name: .customLong("env-file"), help: "Read environment variables from a file (KEY=VALUE lines).") var envFile: [String] = []
    @Option(name: [.customShort("w"), .customLong("workdir")], help: "Working directory inside the container.") var workdir: String?
    @Option(name: [.customShort("u"), .long], help: "User: name, uid, name:group or uid:gid.") var user: String?
    @Option(name: [.customShort("h"), .long], help: "Container host name (default: the first 12 digits of its ID).") var hostname: String?
    @Option(name: .long, help: "Overwrite the image's ENTRYPOINT (\"\" clears it).") var entrypoint: String?
    @Flag(name: .customLong("rm"), help: "Remove the container when it exits.") var remove = false
    @Flag(name: [.customShort("i"), .long], help: "Keep stdin open (pass it to the container).") var interactive = false
    @Flag(name: [.customShort("t"), .long], help: "Give the container a terminal.") var tty = false
    @Option(name: .customLong("network"), help: "bridge (the default: skiff0, outbound NAT), none (loopback only), host, container:NAME, or a network made by `skiff network create`.") var network = "bridge"
    @Option(name: .customLong("network-alias"), help: "Another name for the container on a user-defined network.") var networkAlias: [String] = []
    @Option(name: .customLong("ip"), help: "IPv4 address on a user-defined network.") var ip: String?
    @Flag(name: [.customShort("P"), .customLong("publish-all")], help: "Publish every EXPOSEd port on a free host port.") var publishAll = false
    @Option(name: [.customShort("m"), .long], help: "Memory limit (e.g. 512m, 1g).") var memory: String?
    @Option(name: .long, help: "CPUs (e.g. 0.5, 2).") var cpus: Double?
    @Option(name: .customLong("pids-limit"), help: "Maximum number of processes.") var pidsLimit: Int64?
    @Flag(name: .customLong("read-only"), help: "Mount the root filesystem read-only.") var readOnly = false
    @Option(name: .customLong("cap-add"), help: "Add a capability (e.g. NET_ADMIN, or ALL).") var capAdd: [String] = []
    @Option(name: .customLong("cap-drop"), help: "Drop a capability (e.g. CHOWN, or ALL).") var capDrop: [String] = []
    @Flag(name: .long, help: "All capabilities, no seccomp, no masked paths, all devices allowed.") var privileged = false
    @Option(name: .customLong("security-opt"), help: "seccomp=unconfined, seccomp=PROFILE.json or no-new-privileges.") var securityOpt: [String] = []
    @Flag(name: .customLong("init"), help: "Run tini as pid 1 to reap zombies and forward signals.") var initProcess = false
    @Option(name: [.customShort("p"), .customLong("publish")], help: "Publish a port: [ip:][hostPort:]containerPort[/tcp|/udp], ranges allowed.") var publish: [String] = []
    @Option(name: [.customShort("l"), .customLong("label")], help: "Set a label (KEY=VALUE).") var label: [String] = []
    @Option(name: .customLong("platform"), help: "Platform of the image to use (os/arch).") var platform: String?
    @Option(name: .customLong("restart"), help: "Restart policy: no, on-failure[:max-retries], always or unless-stopped.") var restart: String?
    @Option(name: .customLong("health-cmd"), help: "Healthcheck command (run with /bin/sh -c).") var healthCmd: String?
    @Option(name: .customLong("health-interval"), help: "Time between healthchecks (e.g. 30s, 1m30s).") var healthInterval: String?
    @Option(name: .customLong("health-timeout"), help: "Time a healthcheck may take.") var healthTimeout: String?
    @Option(name: .customLong("health-start-period"), help: "Start period: failures then do not count.") var healthStartPeriod: String?
    @Option(name: .customLong("health-retries"), help: "Failures in a row that make it unhealthy.") var healthRetries: Int?
    @Flag(name: .customLong("no-healthcheck"), help: "Disable the image's HEALTHCHECK.") var noHealthcheck = false
    @Option(name: .customLong("stop-signal"), help: "Signal `stop` sends first (default: the image's STOPSIGNAL, else SIGTERM).") var stopSignal: String?
    @Option(name: .customLong("stop-timeout"), help: "Seconds `stop` waits before SIGKILL (default 10).") var stopTimeout: Int?
    @Option(name: [.customShort("v"), .customLong("volume")], help: "Mount a volume or host path: NAME:/path[:ro], /host/path:/path[:ro], or /path (an anonymous volume).") var volume: [String] = []
    @Option(name: .customLong("mount"), help: "Mount: type=volume|bind|tmpfs,source=…,target=…[,readonly][,volume-nocopy][,tmpfs-size=…].") var mount: [String] = []
    @Option(name: .customLong("tmpfs"), help: "Mount a tmpfs: /path[:options] (e.g. /run:size=64m,mode=1770).") var tmpfs: [String] = []
    @Option(name: .customLong("volumes-from"), help: "Mount the volumes of another container: NAME[:ro|rw].") var volumesFrom: [String] = []
    @Option(name: .customLong("log-opt"), help: "max-size=SIZE (e.g. 10m; 0 or -1: unlimited) or max-file=N.") var logOpt: [String] = []

    @Option(name: .customLong("pull"), help: "Pull the image: missing (default), always or never.") var pull = "missing"
    @Option(name: .customLong("tls-verify"), help: "For a pull: require https with a valid certificate.") var tlsVerify = true

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
        var profile: LinuxSeccomp?
        if case .profile(let path) = options.seccomp {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("--security-opt seccomp=\(path): cannot read the file")
            }
            do { profile = try JSONDecoder().decode(LinuxSeccomp.self, from: data) } catch {
                throw ValidationError("--security-opt seccomp=\(path): not a seccomp profile: \(error)")
            }
        }
        try pullIfNeeded(engine, image: image)
        return try engine.createContainer(image: image, options: options,
                                          callerEnvironment: ProcessInfo.processInfo.environment,
                                          envFileContents: contents, seccompProfile: profile)
    }

    /// Docker's --pull: missing pulls only when the image is not in the store.
    func pullIfNeeded(_ engine: Engine, image: String) throws {
        switch pull {
        case "never": return
        case "missing":
            if (try? engine.images.resolve(image)) != nil { return }
        case "always": break
        default: throw ValidationError("--pull \(pull): expected missing, always or never")
        }
        let reference = try ImageReference(parsing: image)
        var options = PullOptions(registry: RegistryOptions(tlsVerify: tlsVerify))
        if let platform, let p = Platform(parsing: platform) { options.platform = p }
        FileHandleStderr.write("Unable to find image '\(reference.familiar)' locally\n")
        _ = try Puller(store: engine.images, options: options, progress: PullProgress().handle).pull(reference)
    }

    /// The flags as the engine takes them (validated: a bad value is an error naming its flag, before any
    /// record exists). `command` is the command line after the image (a leading `--` dropped).
    func runOptions(command: [String]) throws -> RunOptions {
        if let platform, Platform(parsing: platform).map({ Platform.current.matches($0) }) != true {
            throw ValidationError("--platform \(platform): only this machine's platform (\(Platform.current)) can run here")
        }
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
        o.network = try RunOptions.NetworkMode(parsing: network)
        if let memory { o.memory = try RunFlagParser.bytes(memory, flag: "--memory") }
        if let cpus {
            guard cpus > 0 else { throw ValidationError("--cpus \(cpus): must be greater than 0") }
            o.cpus = cpus
        }
        if let pidsLimit { o.pidsLimit = pidsLimit }
        o.readOnly = readOnly
        o.capAdd = capAdd
        o.capDrop = capDrop
        o.privileged = privileged
        for opt in securityOpt {
            switch opt {
            case "seccomp=unconfined", "seccomp:unconfined": o.seccomp = .unconfined
            case "no-new-privileges", "no-new-privileges=true", "no-new-privileges:true": o.noNewPrivileges = true
            case let s where s.hasPrefix("seccomp="): o.seccomp = .profile(path: String(s.dropFirst(8)))
            default:
                throw ValidationError("--security-opt \(opt): supported are seccomp=unconfined, seccomp=FILE and no-new-privileges")
            }
        }
        o.initProcess = initProcess
        if let restart { o.restart = try RestartPolicy(parsing: restart) }
        o.healthCmd = healthCmd
        func duration(_ text: String?, _ flag: String) throws -> Int64? {
            guard let text else { return nil }
            guard let d = Units.duration(text) else { throw ValidationError("\(flag) \(text): expected a duration such as 30s, 1m30s or 500ms") }
            return d
        }
        o.healthInterval = try duration(healthInterval, "--health-interval")
        o.healthTimeout = try duration(healthTimeout, "--health-timeout")
        o.healthStartPeriod = try duration(healthStartPeriod, "--health-start-period")
        o.healthRetries = healthRetries
        o.noHealthcheck = noHealthcheck
        o.stopSignal = stopSignal
        o.stopTimeout = stopTimeout
        for opt in logOpt {
            let kv = opt.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw ValidationError("--log-opt \(opt): expected max-size=SIZE or max-file=N") }
            switch kv[0] {
            case "max-size": o.logMaxSize = kv[1] == "-1" || kv[1] == "0" ? 0 : try RunFlagParser.bytes(kv[1], flag: "--log-opt max-size")
            case "max-file":
                guard let n = Int(kv[1]), n >= 1 else { throw ValidationError("--log-opt max-file=\(kv[1]): expected a number >= 1") }
                o.logMaxFiles = n
            default: throw ValidationError("--log-opt \(opt): supported are max-size and max-file (the json-file driver)")
            }
        }
        for p in publish { _ = try PortMapping.parse(p) }
        o.publish = publish
        o.publishAll = publishAll
        o.networkAliases = networkAlias
        o.ip = ip
        do {
            o.mounts = try volume.map(MountRequest.parseVolume) + mount.map(MountRequest.parseMount) + tmpfs.map(MountRequest.parseTmpfs)
        } catch { throw ValidationError("\(error)") }
        o.volumesFrom = volumesFrom
        for l in label {
            let parts = l.split(separator: "=", maxSplits: 1).map(String.init)
            o.labels[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return o
    }
}

/// Flag values as Docker spells them.
enum RunFlagParser {
    /// "512m", "1g", "100k", "1024", "1.5g" → bytes.
    static func bytes(_ text: String, flag: String) throws -> Int64 {
        guard let bytes = Units.bytes(text) else {
            throw ValidationError("\(flag) \(text): expected a size such as 512m or 1g")
        }
        guard bytes >= 6 * 1024 * 1024 || flag != "--memory" else {
            throw ValidationError("\(flag) \(text): the minimum memory limit is 6m")
        }
        return bytes
    }
}
