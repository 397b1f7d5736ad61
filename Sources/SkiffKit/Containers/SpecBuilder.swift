import SkiffImage
import SkiffOCI
import SkiffRuntime

/// Docker's rules for turning an image and `skiff run`'s flags into an OCI runtime spec:
/// - the command is Entrypoint + Cmd; arguments after the image replace Cmd; `--entrypoint` replaces
///   Entrypoint and drops the image's Cmd;
/// - the environment is PATH (unless the image sets it), HOSTNAME, the image's Env, then `--env-file`
///   and `-e` in order, a later KEY replacing an earlier one; `-e KEY` takes the value from the caller;
/// - the working directory is `-w`, else the image's WorkingDir, else "/";
/// - the user is `-u`, else the image's User, resolved in the image's /etc/passwd and /etc/group;
/// - the security policy is Docker's default (capabilities, seccomp, masked paths), changed only by
///   `--cap-add/--cap-drop`, `--privileged`, `--security-opt` and `--read-only`.
package struct SpecBuilder {
    package var image: StoredImage
    package var imageName: String
    package var options: RunOptions
    package var filesystem: ImageFilesystem
    /// The caller's environment, for `-e KEY` without a value.
    package var callerEnvironment: [String: String]
    /// Env files already read, by path (the CLI reads them so errors name the file).
    package var envFileContents: [String: String]
    /// What `--privileged` may give (HostCapabilities): nil, every capability.
    package var hostBoundingSet: Set<Capability>?

    package init(
        image: StoredImage, imageName: String, options: RunOptions, filesystem: ImageFilesystem,
        callerEnvironment: [String: String] = [:], envFileContents: [String: String] = [:]
    ) {
        self.image = image
        self.imageName = imageName
        self.options = options
        self.filesystem = filesystem
        self.callerEnvironment = callerEnvironment
        self.envFileContents = envFileContents
    }

    package func command() throws(KitError) -> [String] {
        let args = entrypoint() + cmd()
        guard !args.isEmpty else { throw .noCommand(image: imageName) }
        return args
    }

    /// Docker's Config.Entrypoint: `--entrypoint` ("" clears it), else the image's.
    package func entrypoint() -> [String] {
        if let e = options.entrypoint { return e.isEmpty ? [] : [e] }
        return image.config.config?.Entrypoint ?? []
    }

    /// Docker's Config.Cmd: the arguments after the image, else the image's CMD unless `--entrypoint`
    /// was given (which drops it).
    package func cmd() -> [String] {
        if !options.command.isEmpty { return options.command }
        return options.entrypoint == nil ? image.config.config?.Cmd ?? [] : []
    }

    package func environment(hostname: String) throws(KitError) -> [String] {
        var env = EnvironmentList()
        let imageEnv = image.config.config?.Env ?? []
        if !imageEnv.contains(where: { $0.hasPrefix("PATH=") }) { env.set(DockerDefaults.pathEnv) }
        env.set("HOSTNAME=" + hostname)
        if options.tty { env.set("TERM=xterm") }
        for entry in imageEnv { env.set(entry) }
        for path in options.envFiles {
            guard let text = envFileContents[path] else { throw .usage("--env-file \(path): the file was not read") }
            for entry in try EnvFileLines.entries(text, path: path) {
                if let assignment = resolve(entry) { env.set(assignment) }
            }
        }
        for entry in options.env {
            if entry.hasPrefix("=") || entry.isEmpty { throw .usage("-e \(entry): a variable needs a name") }
            if let assignment = resolve(entry) { env.set(assignment) }
        }
        return env.entries
    }

    /// Docker's Config.Env: `--env-file`'s and `-e`'s entries in order, then the image's whose names they
    /// do not set (the daemon's merge); PATH, HOSTNAME and TERM, which Docker's daemon adds only to the
    /// process, are not in it. Called after `environment`, which checks the entries.
    package func configEnvironment() throws(KitError) -> [String] {
        var given: [String] = []
        for path in options.envFiles {
            guard let text = envFileContents[path] else { throw .usage("--env-file \(path): the file was not read") }
            given += try EnvFileLines.entries(text, path: path).compactMap(resolve)
        }
        given += options.env.compactMap(resolve)
        func name(_ entry: String) -> Substring { entry.prefix { $0 != "=" } }
        let names = Set(given.map(name))
        return given + (image.config.config?.Env ?? []).filter { !names.contains(name($0)) }
    }

    /// "KEY=VALUE" stays; "KEY" takes the caller's value, or is left out when the caller has none.
    func resolve(_ entry: String) -> String? {
        if entry.contains("=") { return entry }
        guard let value = callerEnvironment[entry] else { return nil }
        return entry + "=" + value
    }

    /// Cleaned as Docker cleans it: `/../../x` is `/x`, a path inside the container whatever its `..`.
    package func workingDirectory() -> String {
        let dir = options.workdir ?? image.config.config?.WorkingDir ?? ""
        return dir.isEmpty ? "/" : InRootPath.clean(dir)
    }

    package func user() throws(KitError) -> ResolvedUser {
        let spec = options.user ?? image.config.config?.User
        return try UserResolver.resolve(
            spec, passwd: filesystem.read("/etc/passwd"),
            group: filesystem.read("/etc/group"), image: imageName)
    }

    /// The spec for a container whose root filesystem will be at `rootfs`.
    package func spec(rootfs: String, hostname: String, cgroupsPath: String) throws(KitError) -> Spec {
        let args = try command()
        var spec = DockerDefaults.spec(rootfs: rootfs, args: args, terminal: options.tty, hostname: hostname)
        if options.tty { spec.process?.consoleSize = options.consoleSize }
        spec.process?.env = try environment(hostname: hostname)
        spec.process?.cwd = workingDirectory()
        let user = try user()
        let env = spec.process?.env ?? []
        spec.process?.env = DockerDefaults.withHome(env, home: user.home)
        var groups = user.additionalGids
        for g in try UserResolver.groupIDs(options.groupAdd, group: filesystem.read("/etc/group"), image: imageName)
        where g != user.gid && !groups.contains(g) {
            groups.append(g)
        }
        spec.process?.user = User(uid: user.uid, gid: user.gid, additionalGids: groups.isEmpty ? nil : groups)
        spec.root?.readonly = options.readOnly
        spec.linux?.cgroupsPath = cgroupsPath

        switch options.network {
        case .none, .bridge, .named, .container: break  // a namespace path is set by Engine.prepareNetwork
        case .host: spec.linux?.namespaces?.removeAll { $0.type == "network" }
        }
        if options.network == .host {
            // Docker keeps /sys read-only and shares the host's network namespace.
            spec.linux?.namespaces?.removeAll { $0.type == "network" }
        }
        let sysctls = try ContainerSysctls.resolve(options.sysctls, network: options.network)
        spec.linux?.sysctl = sysctls.isEmpty ? nil : sysctls

        var caps = try capabilities()
        if options.unmaskSystemPaths {
            spec.linux?.maskedPaths = []
            spec.linux?.readonlyPaths = []
        }
        if options.privileged {
            caps = Capability.allCases.filter { hostBoundingSet?.contains($0) ?? true }.map(\.name)
            spec.linux?.maskedPaths = []
            spec.linux?.readonlyPaths = []
            spec.linux?.seccomp = nil
            spec.linux?.resources?.devices = [LinuxDeviceCgroup(allow: true, access: "rwm")]
            spec.mounts = spec.mounts?.map { m in
                var m = m
                if m.destination == "/sys" || m.destination == "/sys/fs/cgroup" {
                    m.options = m.options?.map { $0 == "ro" ? "rw" : $0 }
                }
                return m
            }
        }
        spec.process?.capabilities = .uniform(caps)
        if user.uid != 0 {
            // Docker: a non-root user keeps the bounding set but has no effective/permitted capabilities.
            spec.process?.capabilities = LinuxCapabilities(
                bounding: caps, effective: [], inheritable: [],
                permitted: [], ambient: [])
        }
        if !options.privileged {
            switch options.seccomp {
            case .default: spec.linux?.seccomp = DefaultSeccompProfile.make(capabilities: caps)
            case .unconfined: spec.linux?.seccomp = nil
            case .profile: break  // set by the caller, which reads the file
            }
        }
        spec.process?.noNewPrivileges = options.noNewPrivileges

        var resources = spec.linux?.resources ?? LinuxResources()
        if let memory = options.memory {
            // Docker's daemon: without --memory-swap, as much swap as memory (memory+swap twice the limit).
            resources.memory = LinuxMemory(limit: memory, swap: memory > Int64.max / 2 ? -1 : memory * 2)
        }
        if options.cpus != nil, options.resources.cpuPeriod != nil || options.resources.cpuQuota != nil {
            // Docker's daemon: --cpus is a quota over its own period.
            throw .usage(
                "conflicting options: --cpus (cpus:) cannot be combined with --cpu-period / --cpu-quota (cpu_period:, cpu_quota:)"
            )
        }
        if let cpus = options.cpus {
            let period: UInt64 = 100_000
            resources.cpu = LinuxCPU(quota: Int64(cpus * Double(period)), period: period)
        }
        if let pids = options.pidsLimit { resources.pids = LinuxPids(limit: pids) }
        if !options.privileged {
            resources.devices =
                (resources.devices ?? [])
                + (try options.deviceCgroupRules.map { rule throws(KitError) in
                    try DeviceCgroupRule.parse(rule)
                })
        }
        spec.linux?.resources = resources
        spec.annotations = options.labels.isEmpty ? nil : options.labels
        options.resources.apply(to: &spec)
        return spec
    }

    /// Docker's default set with `--cap-add` / `--cap-drop` applied ("ALL" allowed in both).
    package func capabilities() throws(KitError) -> [String] {
        var set = Set(DockerDefaults.capabilities)
        func normalize(_ name: String) throws(KitError) -> String {
            let upper = name.uppercased()
            let full = upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
            guard Capability(name: full) != nil else {
                throw .usage("unknown capability \"\(name)\" (e.g. NET_ADMIN, SYS_PTRACE, or ALL)")
            }
            return full
        }
        for name in options.capDrop {
            if name.uppercased() == "ALL" { set.removeAll() } else { set.remove(try normalize(name)) }
        }
        for name in options.capAdd {
            if name.uppercased() == "ALL" {
                set = Set(Capability.allCases.map(\.name))
            } else {
                set.insert(try normalize(name))
            }
        }
        return set.sorted()
    }
}

/// KEY=VALUE entries where setting a key again replaces it in place.
struct EnvironmentList {
    private(set) var entries: [String] = []

    mutating func set(_ entry: String) {
        let key = entry.split(separator: "=", maxSplits: 1).first.map(String.init) ?? entry
        if let i = entries.firstIndex(where: { $0 == key || $0.hasPrefix(key + "=") }) {
            entries[i] = entry
        } else {
            entries.append(entry)
        }
    }
}
