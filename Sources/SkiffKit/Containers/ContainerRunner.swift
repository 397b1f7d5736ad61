import SkiffExplain
import SkiffImage
import SkiffOCI
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff run IMAGE`: a container record, a writable layer on top of the image's unpacked layers, a
/// generated config.json, then the OCI runtime, attached.
///
/// The container's directory holds everything that is its own:
///
///     containers/<id>/container.json   the record
///     containers/<id>/config.json      the OCI spec (the directory is the bundle)
///     containers/<id>/upper, work      overlayfs upper and work dirs: the container's changes
///     containers/<id>/rootfs           where the init mounts the overlay, in its own mount namespace
///     containers/<id>/hostname, hosts, resolv.conf   bind-mounted into /etc
extension Engine {
    /// Host paths `skiff run` reads besides the image, overridable in tests.
    public struct HostFiles: Sendable {
        /// The host's resolver configuration, which a container's resolv.conf is made from.
        public var resolvConf = "/etc/resolv.conf"
        /// The host's hosts file, which a container on the host's network gets.
        public var hosts = "/etc/hosts"
        /// Docker's `--init` is tini; Debian ships it static.
        public var initBinary = "/usr/bin/tini-static"
        /// The host's real files.
        public init() {}
    }

    /// Make a container from an image, ready to start. The caller reads env files (so errors name them).
    public func createContainer(
        image imageName: String, options: RunOptions, callerEnvironment: [String: String] = [:],
        envFileContents: [String: String] = [:], host: HostFiles = HostFiles(),
        seccompProfile: LinuxSeccomp? = nil
    ) throws(KitError) -> Container {
        let image: StoredImage
        do { image = try images.resolve(imageName) } catch {
            if case .notFound = error {
                throw .notFound(
                    "image \(imageName) not found locally: `skiff pull \(imageName)` or `skiff load -i FILE` first")
            }
            throw .image(error)
        }
        return try createContainer(
            from: image, imageName: imageName, options: options, callerEnvironment: callerEnvironment,
            envFileContents: envFileContents, host: host, seccompProfile: seccompProfile)
    }

    /// Make a container from an image already in hand (e.g. an untagged build step); `imageName` is how
    /// records and messages name it.
    public func createContainer(
        from image: StoredImage, imageName: String, options: RunOptions,
        callerEnvironment: [String: String] = [:], envFileContents: [String: String] = [:],
        host: HostFiles = HostFiles(), seccompProfile: LinuxSeccomp? = nil
    ) throws(KitError) -> Container {
        let options = carryingOutResources(options)
        let fileProfile = seccompProfile == nil ? try Self.seccompProfileFile(options.seccomp) : nil
        let profileFromFile = fileProfile?.profile
        let storageLimit = try StorageOptions.check(options.storageOptions, backing: .of(root))
        let chains: [String]
        do { chains = try layers.prepare(manifest: image.manifest, config: image.config) } catch { throw .image(error) }
        if logger.isExplaining { explainImage(image, name: imageName, chains: chains) }

        let id = NameGenerator.makeID()
        // Without --name, `create` draws a free name under the store's lock.
        let name = options.name ?? ""
        if let n = options.name, !Self.isValidName(n) {
            throw .usage("invalid container name \"\(n)\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
        var lowers = chains.reversed().map { LayerStore.relativeDiffPath(chainID: $0) }
        if lowers.isEmpty {
            // An image with no layers (FROM scratch and nothing added): overlay wants one lower.
            lowers = ["empty"]
            do { try FileIO.makeDirectories(layers.root + "/empty", mode: 0o755) } catch { throw .system(error) }
        }
        let filesystem = ImageFilesystem(layersTopFirst: chains.reversed().map { layers.diffPath(chainID: $0) })
        var builder = SpecBuilder(
            image: image, imageName: imageName, options: options, filesystem: filesystem,
            callerEnvironment: callerEnvironment, envFileContents: envFileContents)
        if options.privileged { builder.hostBoundingSet = HostCapabilities.current() }
        let command = try builder.command()

        var container = Container(
            id: id, name: name, image: imageName, imageID: image.id.description,
            manifestDigest: image.manifestDigest.description, layerChainIDs: chains,
            command: command, created: Timestamp.now(), status: .created, autoRemove: options.remove,
            labels: options.labels)
        try applyLifecycleOptions(options, image: image, to: &container)
        container.entrypoint = builder.entrypoint()
        container.workingDir =
            (options.workdir ?? image.config.config?.WorkingDir ?? "").isEmpty ? "" : builder.workingDirectory()
        container.hostConfig = HostConfigRecord(options: options)
        if let bytes = fileProfile?.bytes { container.hostConfig?.showSeccompProfile(bytes) }
        try options.namespaces.validate(hostname: options.hostname)
        try checkNamespaceDonors(options.namespaces)
        container.namespaceModes = options.namespaces
        // The host's UTS namespace: the hostname is the host's (and /etc/hostname and HOSTNAME say so).
        let utsHostname = options.namespaces.uts == .host ? Self.hostHostname() : nil
        if let utsHostname { container.hostname = utsHostname }
        if let n = options.name { try containers.checkNameFree(n) }
        // The directory and everything in it first, the record last (written once, complete, when the
        // name is claimed): a start writes as few files as it can (issue 15).
        try containers.makeDirectory(id: id)
        var done = false
        // No record yet: the anonymous volumes to remove are the ones this record in the making has.
        defer { if !done { removeContainerFiles(id: id, anonymousVolumes: true, record: container) } }

        let dir = containers.directory(of: id)
        for sub in ["upper", "work", "rootfs"] {
            if mkdir(dir + "/" + sub, 0o755) != 0 { throw .system(SystemError("mkdir", path: dir + "/" + sub)) }
        }
        if let storageLimit {
            try ContainerStorageQuota(root: root).apply(bytes: storageLimit, to: [dir + "/upper", dir + "/work"])
        }
        // Docker's marker (its init layer's empty /.dockerenv, 0755), which scripts test for to know they
        // run in a container. In the fresh upper directory, so it is in the root filesystem as in Docker;
        // like the /etc files it is not the container's change (diff, commit, a build step's layer).
        do { try FileIO.create(dir + "/upper" + Self.containerMarker, contents: [], mode: 0o755) } catch {
            throw .system(error)
        }
        let hostname = options.hostname ?? utsHostname ?? String(id.prefix(12))
        var spec = try builder.spec(
            rootfs: dir + "/rootfs", hostname: hostname, cgroupsPath: options.resources.cgroupsPath(id: id))
        let given = try builder.environment(hostname: hostname)
        container.configEnv = try builder.configEnvironment()
        if !given.contains(where: { $0.hasPrefix("HOME=") && $0 != "HOME=" }),
            let home = spec.process?.env?.last(where: { $0.hasPrefix("HOME=") })
        {
            container.defaultHome = String(home.dropFirst("HOME=".count))
        }
        let unifiedCgroups = CgroupLayout.isUnifiedMode()
        NamespacePlan.apply(
            options.namespaces, unifiedCgroups: unifiedCgroups, shmDirectory: shmDirectory(id), to: &spec)
        if let profile = seccompProfile ?? profileFromFile, !options.privileged { spec.linux?.seccomp = profile }
        if options.privileged && options.privilegedHostDevices {
            DevicePlan.apply(DevicePlan.privileged(lookup: HostDevices.lookup), to: &spec)
        }
        DevicePlan.apply(
            try DevicePlan.plan(
                HostDevices.resolvingLinks(options.devices), origin: "device",
                lookup: HostDevices.lookup), to: &spec)
        try applyBlockIO(options.resources.blockIO, to: &spec)
        try prepareWorkdir(builder.workingDirectory(), upper: dir + "/upper", filesystem: filesystem)
        try writeEtcFiles(dir: dir, hostname: hostname, network: options.network, host: host)
        try prepareNetwork(
            &spec, id: id, options: options,
            exposedPorts: Array((image.config.config?.ExposedPorts ?? [:]).keys) + (container.exposedPorts ?? []),
            host: host)
        try applyNameOptions(options.names, id: id, network: options.network)
        container.resolvConf = resolvConfRecord(id: id, network: options.network, host: host)
        spec.mounts = (spec.mounts ?? []) + Self.etcMounts(dir: dir, readOnly: options.readOnly)
        let volumeMounts = try prepareVolumes(for: &container, options: options, image: image, filesystem: filesystem)
        spec.mounts = Self.orderMounts(spec.mounts ?? [], adding: volumeMounts)
        if options.initProcess {
            guard FileIO.exists(host.initBinary) else {
                throw .unsupported("--init needs tini: \(host.initBinary) is missing (apt-get install tini)")
            }
            spec.mounts?.append(
                Mount(
                    destination: "/sbin/docker-init", type: "bind", source: host.initBinary,
                    options: ["bind", "ro"]))
            let args = spec.process?.args ?? []
            spec.process?.args = ["/sbin/docker-init", "--"] + args
        }
        spec.annotations = (spec.annotations ?? [:]).merging([
            SkiffAnnotations.rootfsOverlay:
                "lowerdir=\(lowers.joined(separator: ":")),upperdir=\(dir)/upper,workdir=\(dir)/work",
            SkiffAnnotations.rootfsOverlayDirectory: layers.root,
        ]) { $1 }
        do { try SpecFile.write(spec, bundle: dir) } catch { throw .runtime(error) }
        container.command = spec.process?.args ?? command
        if FileIO.exists(containers.recordPath(id)) {
            // Written already, under the volumes' lock (prepareVolumes): its name is claimed.
            try containers.save(container)
        } else {
            container = try containers.create(container, freshName: options.name == nil)
        }
        // Worked out once the name is drawn (a tag may hold it).
        let logSource = LogAttributes.Source(
            id: id, name: container.name, imageID: container.imageID, imageName: imageName,
            command: container.command, labels: container.labels, env: spec.process?.env ?? [],
            created: container.created)
        if let attrs = Self.logAttributes(options) {
            container.logAttributes = try attrs.json(logSource)
            if container.logAttributes != nil { try containers.save(container) }
        }
        if let driver = options.logDriver, driver.forwards {
            container.logForward = try LogForwardSpec.make(
                driver, options: options.logOptions, source: logSource, hostname: Self.hostHostname())
            try containers.save(container)
        }
        done = true
        events.record(container: container, "create")
        return container
    }

    /// Run a created container in the foreground: stdio passed through (or a terminal relayed), signals
    /// forwarded; returns how it ended. With `autoRemove` the container is removed afterwards.
    /// `interactive` (-i): stdin reaches the container, through its terminal if it has one; without it
    /// the container's stdin is /dev/null, or a terminal nothing is typed into (`run -t`).
    /// `stdout`/`stderr` (-1: inherit) let a caller capture the output.
    /// `cancellable`: the command's cancellation (SIGINT/SIGTERM, see `Cancellation`) kills the container
    /// instead of the signals being forwarded to it (a build's RUN step).
    /// `keepsLog`: a user's container (`run`, `compose run`) logs its output as the monitor would
    /// (`AttachedLog`) unless its driver is none; a build step's container keeps none.
    public func runAttached(
        _ created: Container, interactive: Bool, stdout: Int32 = -1,
        stderr: Int32 = -1, cancellable: Bool = false, keepsLog: Bool
    ) throws(KitError) -> ExitStatus {
        var container = created
        var options = OCIRuntime.StartOptions()
        // Kept once stopped: its cgroup's OOM counter is read before the delete below removes it.
        options.keep = true
        if cancellable { options.cancelFD = Cancellation.wakeFD } else { TerminationWatch.handOver() }
        options.stdio.out = stdout
        options.stdio.err = stderr
        options.terminalInput = interactive
        var devNull: Int32 = -1
        if !interactive && created.tty != true {
            devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
            options.stdio.in = devNull
        }
        defer { if devNull >= 0 { close(devNull) } }
        container.status = .running
        container.startedAt = Timestamp.now()
        container.oomKilled = nil
        container.oomKillsReported = nil
        container.runnerPid = getpid()
        container.runnerStartTime = SkiffRuntime.ProcessInfo.startTime(pid: getpid())
        try containers.save(container)
        recordAttachments(of: container, starting: true)
        events.record(container: container, "start")
        container.runnerPid = nil
        container.runnerStartTime = nil
        let status: ExitStatus
        var log: AttachedLog?
        do throws(KitError) {
            try checkLogForward(container)
            try joinNamespaces(of: container)
            try setUpNetwork(id: container.id)
            if keepsLog && (Self.keepsLocalLog(container) || container.logForward != nil) {
                let opened: AttachedLog
                do {
                    opened = try AttachedLog(
                        directory: containers.directory(of: container.id), rotation: Self.logRotation(container),
                        compress: container.logCompress == true, attrs: container.logAttributes,
                        forward: container.logForward, keepFile: Self.keepsLocalLog(container), stdout: stdout,
                        stderr: stderr, terminal: container.tty == true)
                } catch { throw KitError.system(error) }
                if container.tty == true {
                    options.consoleOutput = opened.containerOut
                } else {
                    options.stdio.out = opened.containerOut
                    options.stdio.err = opened.containerErr
                }
                log = opened
            }
        } catch {
            // A start that fails (a port already taken) leaves nothing of a --rm container, as with Docker.
            tearDownNetwork(id: container.id)
            releaseShm(id: container.id)
            container.status = .exited
            container.exitCode = 125
            container.finishedAt = Timestamp.now()
            if container.autoRemove {
                removeContainerFiles(id: container.id, anonymousVolumes: true)
            } else {
                try? containers.save(container)
            }
            throw error
        }
        defer {
            tearDownNetwork(id: container.id)
            releaseShm(id: container.id)
        }
        // The kernel's kills while it runs are `oom` events at once, as the monitor's of a detached one.
        let killWatch = AttachedOOMWatch()
        let id = container.id
        options.launched = { [self] started in
            guard let watch = oomWatch(of: started) else { return }
            killWatch.start(watch) { _ in try? internalOOM(id: id) }
        }
        do {
            defer { killWatch.stop() }
            status = try runtime.run(id: container.id, bundle: containers.directory(of: container.id), options: options)
        } catch {
            log?.finish()
            container.status = .exited
            container.exitCode = 127
            container.finishedAt = Timestamp.now()
            if container.autoRemove {
                removeContainerFiles(id: container.id, anonymousVolumes: true)
            } else {
                try? containers.save(container)
            }
            throw .runtime(error)
        }
        // The kills the watch did not report (after its last reading, or all without a watch), before `die`.
        let kills = oomKills(id: container.id)
        let reported = (try? containers.load(id: container.id))?.oomKillsReported
        container.oomKilled = (kills ?? 0) > 0 || reported != nil ? true : nil
        try? runtime.delete(id: container.id, force: true)
        // After the delete, which kills what the init left behind (with --pid host nothing else does) and
        // so closes every copy of the pipes: the rest of the output, then the exit code.
        log?.finish()
        container.status = .exited
        container.exitCode = status.shellStatus
        container.finishedAt = Timestamp.now()
        events.recordDie(
            container, exitCode: status.shellStatus, finishedAt: container.finishedAt,
            ooms: OOMWatch.unreported(counted: kills, reported: reported))
        recordAttachments(of: container, starting: false)
        if container.autoRemove {
            removeContainerFiles(id: container.id, anonymousVolumes: true)
        } else {
            try containers.save(container)
        }
        return status
    }

    /// Remove a stopped container, its writable layer and its anonymous volumes (`force`: kill it first; see `remove`).
    package func removeContainer(_ nameOrID: String, force: Bool) throws(KitError) {
        try remove(nameOrID, force: force, volumes: true)
    }

    /// The image's layers, bottom first, each with the history line that made it.
    func explainImage(_ image: StoredImage, name: String, chains: [String]) {
        let made = (image.config.history ?? []).filter { $0.emptyLayer != true }.map(\.createdBy)
        let diffIDs = image.config.rootfs.diffIDs
        let list = chains.enumerated().map { i, chain in
            ExplainEvent.Layer(
                diffID: i < diffIDs.count ? diffIDs[i] : chain, directory: layers.diffPath(chainID: chain),
                createdBy: i < made.count ? made[i] : nil)
        }
        logger.explain(.imageResolved(reference: name, id: image.id.description, layers: list))
    }

    /// The host's hostname, which a container in the host's UTS namespace has.
    static func hostHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII,
            first.properties.isAlphabetic || ("0"..."9").contains(first)
        else {
            return false
        }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0))
        }
    }

    /// The profile of `--security-opt seccomp=PROFILE.json` (compose `security_opt: [seccomp:…]`), read as
    /// Docker's CLI reads it when the container is made; nil for the default profile or none.
    /// `--security-opt seccomp=FILE`: the profile, and the file's bytes (inspect shows them as given).
    static func seccompProfileFile(_ choice: RunOptions.SeccompChoice) throws(KitError) -> (
        profile: LinuxSeccomp, bytes: [UInt8]
    )? {
        guard case .profile(let path) = choice else { return nil }
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch {
            throw .usage("opening seccomp profile (\(path)) failed: \(errnoText(error.errno))")
        }
        do { return (try KitJSON.decode(LinuxSeccomp.self, from: bytes), bytes) } catch {
            throw .usage("seccomp profile \(path) is not a seccomp profile: \(KitJSON.reason(error))")
        }
    }

    /// Docker creates a missing working directory. It is made in the upper layer where the path leads
    /// inside the image (its symlinks followed in the image's root, as runc's MkdirAllInRoot does), and
    /// written through StagingDirectory, so nothing is created outside the container's layer.
    func prepareWorkdir(_ workdir: String, upper: String, filesystem: ImageFilesystem) throws(KitError) {
        guard let inImage = InRootPath.join(workdir, entry: filesystem.inRootEntry) else {
            throw .usage("working directory \(workdir): a component of the path is a file in the image")
        }
        guard !inImage.isEmpty, filesystem.lookup("/" + inImage) == .missing else { return }
        do {
            try Stager(rootfs: upper, image: filesystem, owner: nil, mode: nil).ensureDirectory(
                "/" + inImage, created: nil)
        } catch {
            throw .usage("working directory \(workdir): \(error)")
        }
    }

    /// The empty file Docker puts at the root of every container.
    package static let containerMarker = "/.dockerenv"

    /// Docker: /etc/hostname, /etc/hosts and /etc/resolv.conf are as writable as the root filesystem.
    package static func etcFileOptions(readOnly: Bool) -> [String] {
        readOnly ? ["rbind", "rprivate", "ro"] : ["rbind", "rprivate"]
    }

    /// The bind mounts of the container's /etc files, in Docker's order (its container.NetworkMounts):
    /// resolv.conf, hostname, hosts.
    package static func etcMounts(dir: String, readOnly: Bool) -> [Mount] {
        ["resolv.conf", "hostname", "hosts"].map { name in
            Mount(
                destination: "/etc/" + name, type: "bind", source: dir + "/" + name,
                options: etcFileOptions(readOnly: readOnly))
        }
    }

    /// How the resolv.conf just written is made, for each start to make it again; nil for a
    /// `container:` joiner, whose file is its donor's.
    func resolvConfRecord(id: String, network: RunOptions.NetworkMode, host: HostFiles) -> ResolvConfRecord? {
        let form: ResolvConfRecord.Form
        switch network {
        case .container: return nil
        case .host, .none: form = .hostFile
        default: form = networkRequest(id)?.mode == "bridge" ? .bridge : .embedded
        }
        guard let text = try? FileIO.readString(containers.directory(of: id) + "/resolv.conf") else { return nil }
        return ResolvConfRecord(form: form, hostFile: host.resolvConf, written: text)
    }

    func writeEtcFiles(dir: String, hostname: String, network: RunOptions.NetworkMode, host: HostFiles) throws(KitError)
    {
        var hosts = EtcHostsDefaults.whenMade(hostname: hostname, network: network)
        var resolv = ""
        if network == .host {
            hosts = (try? FileIO.readString(host.hosts)) ?? hosts
        }
        resolv = (try? FileIO.readString(host.resolvConf)) ?? ""
        do {
            try FileIO.create(dir + "/hostname", contents: Array((hostname + "\n").utf8))
            try FileIO.create(dir + "/hosts", contents: Array(hosts.utf8))
            try FileIO.create(dir + "/resolv.conf", contents: Array(resolv.utf8))
        } catch {
            throw .system(error)
        }
    }
}
