import SkiffImage

/// The merged, interpolated tree → the typed model, checking every value against the Compose Spec.
/// Errors name the file and the path (`services.web.ports[0]`); unknown keys are errors (ComposeSchema).
/// `partial` parses an override file on its own (no "image or build" check).
package struct ComposeParser {
    package var file: String
    /// Where relative paths are resolved.
    package var directory: String
    package var projectName: String
    package var partial = false
    /// Off for `config --no-path-resolution`: relative paths are kept as written (files the parser
    /// reads, as label files, are still found against `directory`).
    package var resolvePaths = true
    /// Off for `config --no-consistency`: references between services and resources are not checked.
    package var checkConsistency = true
    package private(set) var warnings: [String] = []

    package init(file: String, directory: String, projectName: String) {
        self.file = file
        self.directory = directory
        self.projectName = projectName
    }

    // MARK: errors and warnings

    func fail(_ path: String, _ reason: String) -> ComposeError { .invalid(file: file, path: path, reason: reason) }

    /// A number the shared unit parser refused: `PATH: invalid value "TEXT": REASON`.
    func invalid(_ path: String, _ text: String, _ error: Units.Invalid) -> ComposeError {
        fail(path, "invalid value \"\(text)\": \(error.reason)")
    }

    mutating func warnUnsupported(_ path: String, _ what: String) {
        warnings.append("\(file): \(path): \(what)")
    }

    // MARK: scalars

    func mapping(_ t: ComposeTree, _ path: String) throws(ComposeError) -> [ComposeTree.Entry] {
        if case .null = t { return [] }
        guard let e = t.entries else { throw fail(path, "must be a mapping, got \(describe(t))") }
        return e
    }

    func list(_ t: ComposeTree, _ path: String) throws(ComposeError) -> [ComposeTree] {
        if case .null = t { return [] }
        guard let s = t.items else { throw fail(path, "must be a list, got \(describe(t))") }
        return s
    }

    func string(_ t: ComposeTree, _ path: String) throws(ComposeError) -> String {
        guard case .scalar(let s, _) = t else { throw fail(path, "must be a string, got \(describe(t))") }
        return s
    }

    func optionalString(_ t: ComposeTree?, _ path: String) throws(ComposeError) -> String? {
        guard let t else { return nil }
        if case .null = t { return nil }
        return try string(t, path)
    }

    func bool(_ t: ComposeTree, _ path: String) throws(ComposeError) -> Bool {
        if case .scalar(let s, _) = t {
            switch s.lowercased() {
            case "true", "yes", "on", "y": return true
            case "false", "no", "off", "n": return false
            default: break
            }
        }
        throw fail(path, "must be a boolean (true or false), got \(describe(t))")
    }

    func int(_ t: ComposeTree, _ path: String, min: Int = Int.min, max: Int = Int.max) throws(ComposeError) -> Int {
        guard case .scalar(let s, _) = t else { throw fail(path, "must be an integer, got \(describe(t))") }
        do { return Int(try Units.parseInteger(s, in: Int64(min)...Int64(max))) } catch {
            throw invalid(path, s, error)
        }
    }

    func strings(_ t: ComposeTree, _ path: String) throws(ComposeError) -> [String] {
        var out: [String] = []
        for (i, item) in try list(t, path).enumerated() { out.append(try string(item, "\(path)[\(i)]")) }
        return out
    }

    /// A string, or a list of strings.
    func stringOrList(_ t: ComposeTree, _ path: String) throws(ComposeError) -> [String] {
        if case .scalar(let s, _) = t { return [s] }
        return try strings(t, path)
    }

    /// A command: a list, or a string split as a shell would.
    func command(_ t: ComposeTree, _ path: String) throws(ComposeError) -> [String]? {
        switch t {
        case .null: return nil
        case .scalar(let s, _):
            do { return try ShellWords.split(s) } catch { throw fail(path, "\(error.reason) in \"\(s)\"") }
        default: return try strings(t, path)
        }
    }

    /// A map written as a mapping (`KEY: value`) or a list (`KEY=value`), in order. nil values: `KEY`
    /// alone in a list, or `KEY:` with no value.
    func keyValues(_ t: ComposeTree, _ path: String) throws(ComposeError) -> [ComposeEnvVar] {
        switch t {
        case .null: return []
        case .mapping(let entries):
            var out: [ComposeEnvVar] = []
            for e in entries {
                switch e.value {
                case .null: out.append(ComposeEnvVar(e.key, nil))
                case .scalar(let s, _): out.append(ComposeEnvVar(e.key, s))
                default:
                    throw fail(
                        path + "." + e.key, "must be a string, number, boolean or null, got \(describe(e.value))")
                }
            }
            return out
        case .sequence(let items):
            var out: [ComposeEnvVar] = []
            for (i, item) in items.enumerated() {
                let s = try string(item, "\(path)[\(i)]")
                if let eq = s.firstIndex(of: "=") {
                    out.append(ComposeEnvVar(String(s[..<eq]), String(s[s.index(after: eq)...])))
                } else {
                    out.append(ComposeEnvVar(s, nil))
                }
                if out.last!.name.isEmpty { throw fail("\(path)[\(i)]", "expected KEY=VALUE, got \"\(s)\"") }
            }
            return out
        default:
            throw fail(path, "must be a mapping or a list of KEY=VALUE, got \(describe(t))")
        }
    }

    func labels(_ t: ComposeTree, _ path: String) throws(ComposeError) -> [String: String] {
        var out: [String: String] = [:]
        for kv in try keyValues(t, path) { out[kv.name] = kv.value ?? "" }
        return out
    }

    func duration(_ t: ComposeTree, _ path: String) throws(ComposeError) -> Int64 {
        guard case .scalar(let s, _) = t else {
            throw fail(path, "must be a duration such as 30s, 1m30s or 500ms, got \(describe(t))")
        }
        do { return try Units.parseDuration(s, bareNumberIsSeconds: true) } catch { throw invalid(path, s, error) }
    }

    func bytes(_ t: ComposeTree, _ path: String) throws(ComposeError) -> Int64 {
        guard case .scalar(let s, _) = t else {
            throw fail(path, "must be a size such as 512m, 1g or a number of bytes, got \(describe(t))")
        }
        do { return try Units.parseBytes(s) } catch { throw invalid(path, s, error) }
    }

    func cpus(_ t: ComposeTree, _ path: String) throws(ComposeError) -> Double {
        guard case .scalar(let s, _) = t else {
            throw fail(path, "must be a number of CPUs such as 0.5 or 2, got \(describe(t))")
        }
        do { return try Units.parseCPUs(s) } catch { throw invalid(path, s, error) }
    }

    /// A pids limit: Docker takes 0 and -1 (any value <= 0) as unlimited.
    func pidsLimit(_ t: ComposeTree, _ path: String) throws(ComposeError) -> Int64? {
        let v = try int(t, path)
        return v > 0 ? Int64(v) : nil
    }

    func describe(_ t: ComposeTree) -> String {
        switch t {
        case .null: return "null"
        case .scalar(let s, _): return "\"\(s)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    func absolute(_ path: String) -> String {
        resolvePaths ? ComposePaths.resolve(path, against: directory) : path
    }

    // MARK: the project

    package mutating func parse(_ tree: ComposeTree) throws(ComposeError) -> ComposeProject {
        guard case .mapping = tree else {
            throw fail("(top level)", "a compose file must be a mapping, got \(describe(tree))")
        }
        try ComposeSchema.validate(tree, file: file)
        var project = ComposeProject(name: projectName, workingDirectory: directory, files: [file])
        if let v = tree["version"], case .mapping = v { throw fail("version", "must be a string") }
        if let inc = tree["include"], !(try list(inc, "include")).isEmpty {
            throw ComposeError.unsupported(
                "\(file): include: including other compose files is not supported; list them with -f instead")
        }
        if let t = tree["secrets"] {
            for e in try mapping(t, "secrets") {
                project.secrets.append(try secretDefinition(e.key, e.value, path: "secrets." + e.key, config: false))
            }
        }
        if let t = tree["configs"] {
            for e in try mapping(t, "configs") {
                project.configs.append(try secretDefinition(e.key, e.value, path: "configs." + e.key, config: true))
            }
        }
        if let servicesTree = tree["services"] {
            for e in try mapping(servicesTree, "services") {
                project.services.append(try service(e.key, e.value, path: "services." + e.key))
            }
        } else if !partial {
            throw fail("services", "no services defined (a compose file needs a `services:` mapping)")
        }
        if let v = tree["volumes"] {
            for e in try mapping(v, "volumes") {
                project.volumes.append(try volume(e.key, e.value, path: "volumes." + e.key))
            }
        }
        if let n = tree["networks"] {
            for e in try mapping(n, "networks") {
                project.networks.append(try network(e.key, e.value, path: "networks." + e.key))
            }
        }
        if !partial && checkConsistency {
            try check(project)
            try checkSecrets(project)
        }
        project.warnings = warnings
        return project
    }

    /// References between parts of the project.
    func check(_ project: ComposeProject) throws(ComposeError) {
        let names = Set(project.services.map(\.name))
        for s in project.services {
            let path = "services." + s.name
            if s.image == nil && s.build == nil {
                throw fail(path, "has neither an image nor a build context specified: at least one must be provided")
            }
            for (i, vf) in s.volumesFrom.enumerated() where !vf.isContainer && !names.contains(vf.name) {
                throw fail(
                    "\(path).volumes_from[\(i)]",
                    "refers to undefined service \"\(vf.name)\" (write container:NAME for a container outside the project)"
                )
            }
            try checkNamespaces(s, services: names)
            if let mode = s.networkMode, !s.networks.isEmpty {
                throw fail(path, "declares mutually exclusive `network_mode` (\(mode)) and `networks`")
            }
            if let other = s.networkService {
                guard names.contains(other) else {
                    throw fail(
                        "\(path).network_mode",
                        "refers to undefined service \"\(other)\" (write container:NAME for a container outside the project)"
                    )
                }
                guard other != s.name else {
                    throw fail("\(path).network_mode", "a service cannot join its own network namespace")
                }
            }
            for (i, l) in s.links.enumerated() where !names.contains(l.service) {
                throw fail("\(path).links[\(i)]", "links to undefined service \"\(l.service)\"")
            }
            for (name, value) in s.build?.additionalContexts ?? [:] where value.hasPrefix("service:") {
                let other = String(value.dropFirst("service:".count))
                guard names.contains(other), other != s.name else {
                    throw fail(
                        "\(path).build.additional_contexts.\(name)",
                        other == s.name
                            ? "a service cannot be a build context of its own build"
                            : "refers to undefined service \"\(other)\"")
                }
            }
            for (i, d) in s.dependsOn.enumerated() where !names.contains(d.service) && d.required {
                throw fail("\(path).depends_on[\(i)]", "depends on undefined service \"\(d.service)\"")
            }
            for (i, n) in s.networks.enumerated() where n.name != "default" && project.network(n.name) == nil {
                throw fail(
                    "\(path).networks[\(i)]",
                    "refers to undefined network \"\(n.name)\" (declare it under the top-level networks:)")
            }
            for (i, m) in s.volumes.enumerated() where m.type == .volume {
                if let src = m.source, project.volume(src) == nil {
                    throw fail(
                        "\(path).volumes[\(i)]",
                        "refers to undefined volume \"\(src)\" (declare it under the top-level volumes:)")
                }
            }
        }
        try checkBuildContextCycles(project)
        try checkLinksAndAddresses(project)
    }

    // MARK: a service

    /// Compose's rule: `platform:` with `build.platforms` must be one of them, and is the one built
    /// (for the local image store); without `platform:`, every one of `build.platforms` is built (an
    /// image index when they are several).
    func resolveBuildPlatform(_ s: inout ComposeService, path: String) throws(ComposeError) {
        guard var b = s.build else { return }
        if let p = s.platform {
            guard b.platforms.isEmpty || b.platforms.contains(p) else {
                throw fail(
                    path + ".platform",
                    "service.platform \"\(BuildPlatform.format(p))\" should be part of the service.build.platforms: [\(b.platforms.map { "\"" + BuildPlatform.format($0) + "\"" }.joined(separator: " "))]"
                )
            }
            b.platform = p
        } else if b.platforms.count == 1 {
            b.platform = b.platforms.first
        }
        s.build = b
    }

    mutating func service(_ name: String, _ t: ComposeTree, path: String) throws(ComposeError) -> ComposeService {
        guard ComposePaths.isValidServiceName(name) else {
            throw fail(path, "invalid service name: only [a-zA-Z0-9._-] are allowed")
        }
        var s = ComposeService(name: name)
        let entries = try mapping(t, path)
        var fileLabels: [String: String] = [:]
        for e in entries {
            let p = path + "." + e.key
            let v = e.value
            switch e.key {
            case "image": s.image = try optionalString(v, p)
            case "build": s.build = try build(v, p)
            case "command": s.command = try command(v, p)
            case "entrypoint": s.entrypoint = try command(v, p)
            case "environment": s.environment = try keyValues(v, p)
            case "env_file":
                var files: [String] = []
                if case .scalar(let f, _) = v {
                    files = [f]
                } else {
                    for (i, item) in try list(v, p).enumerated() {
                        if case .mapping = item {
                            files.append(try string(item["path"] ?? .null, "\(p)[\(i)].path"))
                            if let r = item["required"], !(try bool(r, "\(p)[\(i)].required")) {
                                s.optionalEnvFiles.insert(absolute(files.last!))
                            }
                        } else {
                            files.append(try string(item, "\(p)[\(i)]"))
                        }
                    }
                }
                s.envFiles = files.map(absolute)
            case "ports":
                for (i, item) in try list(v, p).enumerated() { s.ports += try ports(item, "\(p)[\(i)]") }
            case "expose":
                for (i, item) in try list(v, p).enumerated() {
                    let text = try string(item, "\(p)[\(i)]")
                    guard ComposePorts.isPortOrRange(text) else {
                        throw fail("\(p)[\(i)]", "expected a port such as 80, 80/udp or 8000-8010, got \"\(text)\"")
                    }
                    s.expose.append(text)
                }
            case "volumes":
                for (i, item) in try list(v, p).enumerated() { s.volumes.append(try mount(item, "\(p)[\(i)]")) }
            case "tmpfs":
                for (i, target) in try stringOrList(v, p).enumerated() {
                    let path = String(target.split(separator: ":", maxSplits: 1).first ?? "")
                    guard path.hasPrefix("/") else {
                        throw fail("\(p)[\(i)]", "a tmpfs target must be an absolute path, got \"\(target)\"")
                    }
                    // /path:size=64m,mode=1770 — Docker's --tmpfs options, checked as that flag checks them.
                    let request: MountRequest
                    do { request = try MountRequest.parseTmpfs(target) } catch {
                        throw fail("\(p)[\(i)]", error.description)
                    }
                    var m = ComposeMount(type: .tmpfs, source: nil, target: path, readOnly: request.readOnly)
                    m.tmpfsOptions = request.tmpfsOptions
                    m.tmpfsEntry = target
                    s.volumes.append(m)
                }
            case "depends_on": s.dependsOn = try dependsOn(v, p)
            case "healthcheck": s.healthcheck = try healthcheck(v, p)
            case "restart":
                let r = try string(v, p)
                let base = r.split(separator: ":").first.map(String.init) ?? ""
                guard ["no", "always", "on-failure", "unless-stopped"].contains(base) else {
                    throw fail(p, "expected no, always, on-failure[:N] or unless-stopped, got \"\(r)\"")
                }
                s.restart = r
            case "networks":
                s.networks = try serviceNetworks(v, p)
                // `networks: {default: }` is what no networks: means.
                if s.networks == [ComposeServiceNetwork(name: "default")] { s.networks = [] }
            case "network_mode":
                let mode = try string(v, p)
                for prefix in ["service:", "container:"] where mode.hasPrefix(prefix) && mode.count == prefix.count {
                    throw fail(p, "\(prefix) needs a \(prefix.dropLast())'s name")
                }
                guard !mode.isEmpty else {
                    throw fail(p, "needs a mode: host, none, bridge, service:NAME, container:NAME or a network's name")
                }
                // Anything else is handed to the engine as Docker Compose hands it: an existing network's
                // name (`default` is the default bridge, as dockerd reads it).
                s.networkMode = mode == "default" ? "bridge" : mode
            case "working_dir":
                let w = try string(v, p)
                guard w.hasPrefix("/") else { throw fail(p, "must be an absolute path, got \"\(w)\"") }
                s.workingDir = w
            case "user": s.user = try string(v, p)
            case "hostname": s.hostname = try string(v, p)
            case "container_name":
                let n = try string(v, p)
                guard ComposePaths.isValidContainerName(n) else {
                    throw fail(p, "invalid container name \"\(n)\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
                }
                s.containerName = n
            case "labels": s.labels = try labels(v, p)
            case "label_file": fileLabels = try labelFiles(v, p)
            case "tty": s.tty = try bool(v, p)
            case "stdin_open": s.stdinOpen = try bool(v, p)
            case "init": s.initProcess = try bool(v, p)
            case "privileged": s.privileged = try bool(v, p)
            case "read_only": s.readOnly = try bool(v, p)
            case "sysctls": s.sysctls = try labels(v, p)
            case "cap_add": s.capAdd = try strings(v, p)
            case "cap_drop": s.capDrop = try strings(v, p)
            case "security_opt": s.securityOpt = try strings(v, p)
            case "profiles":
                s.profiles = try strings(v, p)
            case "deploy": try deploy(v, p, into: &s)
            case "scale": try setScale(&s, try int(v, p, min: 0))
            case "mem_limit": s.limits.memory = try bytes(v, p)
            case "cpus": s.limits.cpus = try cpus(v, p)
            case "pids_limit": s.limits.pids = try pidsLimit(v, p)
            case "stop_signal": s.stopSignal = try string(v, p)
            case "stop_grace_period":
                // Whole seconds, rounded up (without adding first: the duration may be near Int64.max).
                let d = try duration(v, p)
                s.stopGracePeriod = Int(d / 1_000_000_000 + (d % 1_000_000_000 > 0 ? 1 : 0))
            case "pull_policy":
                let policy = try string(v, p)
                guard ["always", "never", "missing", "if_not_present", "build"].contains(policy) else {
                    throw fail(p, "expected always, never, missing, if_not_present or build, got \"\(policy)\"")
                }
                s.pullPolicy = policy
            case "platform":
                let text = try string(v, p)
                do { s.platform = try BuildPlatform.parse(text, anyOS: true) } catch {
                    throw fail(p, error.description)
                }
            case "secrets": s.secrets = try secretUses(v, p)
            case "configs": s.configs = try secretUses(v, p)
            default: try serviceExtra(e.key, v, p, into: &s)
            }
        }
        s.labels = fileLabels.merging(s.labels) { $1 }
        try resolveBuildPlatform(&s, path: path)
        // Compose's check, in its words: N containers cannot share one name.
        if s.replicas > 1, s.containerName != nil {
            let key = t["scale"] != nil ? "scale" : "deploy.replicas"
            throw ComposeError.invalid(
                file: file, path: "services.\(key)",
                reason: "can't set container_name and \(s.name) as container name must be unique")
        }
        // Docker Compose starts the services a service links to (`links:` imply a dependency)…
        // …those whose PID, IPC or network namespace it joins (pid: / ipc: / network_mode: service:NAME).
        // Both with `restart: true`, as compose-go implies them: recreating or restarting that service
        // restarts this one, whose namespace or link would otherwise point at a container that is gone.
        let joined =
            s.links.map(\.service) + s.namespaces.services.map(\.service) + (s.networkService.map { [$0] } ?? [])
        for name in joined where !s.dependsOn.contains(where: { $0.service == name }) {
            var d = ComposeDependency(service: name)
            d.restart = true
            s.dependsOn.append(d)
        }
        // …and those whose volumes it takes (`restart: false` there).
        for vf in s.volumesFrom where !vf.isContainer && !s.dependsOn.contains(where: { $0.service == vf.name }) {
            s.dependsOn.append(ComposeDependency(service: vf.name))
        }
        return s
    }

    mutating func build(_ t: ComposeTree, _ p: String) throws(ComposeError) -> ComposeBuild? {
        switch t {
        case .null: return nil
        case .scalar(let context, _): return ComposeBuild(context: absolute(context))
        case .mapping:
            var b = ComposeBuild(context: absolute(try optionalString(t["context"], p + ".context") ?? "."))
            b.dockerfile = try optionalString(t["dockerfile"], p + ".dockerfile")
            b.dockerfileInline = try optionalString(t["dockerfile_inline"], p + ".dockerfile_inline")
            if b.dockerfile != nil && b.dockerfileInline != nil {
                throw fail(p, "dockerfile and dockerfile_inline are mutually exclusive")
            }
            if let v = t["tags"] {
                b.tags = try strings(v, p + ".tags")
                for (i, tag) in b.tags.enumerated() {
                    do { _ = try ImageReference(parsing: tag) } catch {
                        throw fail("\(p).tags[\(i)]", "invalid tag \"\(tag)\": \(error)")
                    }
                }
            }
            if let a = t["args"] {
                for kv in try keyValues(a, p + ".args") { b.args[kv.name] = .some(kv.value) }
            }
            b.target = try optionalString(t["target"], p + ".target")
            if let n = t["no_cache"] { b.noCache = try bool(n, p + ".no_cache") }
            if let v = t["pull"] { b.pull = try bool(v, p + ".pull") }
            if let v = t["labels"] { b.labels = try labels(v, p + ".labels") }
            b.network = try optionalString(t["network"], p + ".network")
            if let v = t["extra_hosts"] {
                b.extraHosts = try extraHosts(v, p + ".extra_hosts")
                var names = ContainerNameOptions()
                names.extraHosts = b.extraHosts
                do { try names.validate() } catch { throw fail(p + ".extra_hosts", "\(error)") }
            }
            if let v = t["shm_size"] { b.shmSize = try bytes(v, p + ".shm_size") }
            if let v = t["ulimits"] { b.ulimits = try ulimits(v, p + ".ulimits") }
            if let v = t["secrets"] { b.secrets = try secretUses(v, p + ".secrets") }
            if let v = t["ssh"] {
                // A list (`- default`, `- id=path`) or a mapping (`id: path`).
                if case .mapping = v {
                    for e in try mapping(v, p + ".ssh") {
                        b.ssh.append(e.key + "=" + (try string(e.value, p + ".ssh." + e.key)))
                    }
                } else {
                    b.ssh = try strings(v, p + ".ssh")
                }
                for (i, entry) in b.ssh.enumerated() {
                    do { _ = try BuildSSHSource.parse(entry) } catch { throw fail("\(p).ssh[\(i)]", error.description) }
                }
            }
            try buildExtras(t, p, into: &b)
            try buildContextsAndEntitlements(t, p, into: &b)
            return b
        default:
            throw fail(p, "must be a path (the context) or a mapping, got \(describe(t))")
        }
    }

    mutating func ports(_ t: ComposeTree, _ p: String) throws(ComposeError) -> [ComposePort] {
        switch t {
        case .scalar(let text, _):
            do { return try ComposePorts.parseShort(text) } catch { throw fail(p, error.reason) }
        case .mapping:
            guard let targetTree = t["target"] else { throw fail(p, "target is required in the long port syntax") }
            let target = try int(targetTree, p + ".target", min: 1, max: 65535)
            var published: [Int] = []
            if let pub = t["published"], case .scalar(let text, _) = pub, !text.isEmpty {
                guard let range = ComposePorts.range(text) else {
                    throw fail(p + ".published", "must be a port or a range, got \"\(text)\"")
                }
                published = range
            }
            let proto = try optionalString(t["protocol"], p + ".protocol") ?? "tcp"
            guard ["tcp", "udp", "sctp"].contains(proto) else {
                throw fail(p + ".protocol", "expected tcp, udp or sctp, got \"\(proto)\"")
            }
            if let mode = try optionalString(t["mode"], p + ".mode"), !["host", "ingress"].contains(mode) {
                throw fail(p + ".mode", "expected host or ingress, got \"\(mode)\"")
            }
            let hostIP = try optionalString(t["host_ip"], p + ".host_ip")
            // A published range for the one target: each container takes a free port of it.
            return [ComposePorts.hostRange(target: target, published, hostIP: hostIP, proto: proto)]
        default:
            throw fail(p, "must be a string (\"8000:80\") or a mapping (target/published), got \(describe(t))")
        }
    }

    mutating func mount(_ t: ComposeTree, _ p: String) throws(ComposeError) -> ComposeMount {
        switch t {
        case .scalar(let text, _):
            // [SOURCE:]TARGET[:MODE]
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard !parts.isEmpty, parts.count <= 3, !parts.contains(where: \.isEmpty) else {
                throw fail(p, "expected [SOURCE:]TARGET[:MODE], got \"\(text)\"")
            }
            if parts.count == 1 {
                guard parts[0].hasPrefix("/") else {
                    throw fail(p, "the target must be an absolute path, got \"\(text)\"")
                }
                return ComposeMount(type: .volume, source: nil, target: parts[0])
            }
            let source = parts[0], target = parts[1]
            guard target.hasPrefix("/") else { throw fail(p, "the target must be an absolute path, got \"\(target)\"") }
            var readOnly = false
            var propagation: String?
            if parts.count == 3 {
                for opt in parts[2].split(separator: ",") {
                    switch opt {
                    case "ro": readOnly = true
                    case "rprivate", "private", "rshared", "shared", "rslave", "slave": propagation = String(opt)
                    case "rw", "z", "Z", "nocopy", "delegated", "cached", "consistent":
                        break
                    default: throw fail(p, "unknown volume mode \"\(opt)\" (expected ro or rw)")
                    }
                }
            }
            if ComposePaths.isHostPath(source) {
                var m = ComposeMount(type: .bind, source: absolute(source), target: target, readOnly: readOnly)
                m.createHostPath = true
                m.propagation = propagation
                return m
            }
            guard ComposePaths.isValidVolumeName(source) else {
                throw fail(
                    p, "\"\(source)\" is neither a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]) nor a path (./, ../, / or ~)"
                )
            }
            var m = ComposeMount(type: .volume, source: source, target: target, readOnly: readOnly)
            m.noCopy = parts.count == 3 && parts[2].contains("nocopy")
            return m
        case .mapping:
            let typeText = try optionalString(t["type"], p + ".type") ?? "volume"
            guard let type = ComposeMount.Kind(rawValue: typeText) else {
                throw fail(p + ".type", "expected volume, bind or tmpfs, got \"\(typeText)\"")
            }
            guard let targetTree = t["target"] else { throw fail(p, "target is required") }
            let target = try string(targetTree, p + ".target")
            guard target.hasPrefix("/") else {
                throw fail(p + ".target", "must be an absolute path, got \"\(target)\"")
            }
            var source = try optionalString(t["source"], p + ".source")
            switch type {
            case .bind:
                guard let s = source else { throw fail(p + ".source", "a bind mount needs a source path") }
                source = absolute(s)
            case .tmpfs:
                if source != nil { throw fail(p + ".source", "a tmpfs mount takes no source") }
            case .volume:
                if let s = source, !ComposePaths.isValidVolumeName(s) {
                    throw fail(
                        p + ".source",
                        "\"\(s)\" is not a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]); use type: bind for a path")
                }
            }
            var m = ComposeMount(type: type, source: source, target: target)
            if let ro = t["read_only"] { m.readOnly = try bool(ro, p + ".read_only") }
            m.createHostPath = false
            if let b = t["bind"], let c = b["create_host_path"] {
                m.createHostPath = try bool(c, p + ".bind.create_host_path")
            }
            if let b = t["bind"], let r = b["recursive"] {
                let text = try string(r, p + ".bind.recursive")
                guard let recursion = MountRequest.BindRecursion(rawValue: text) else {
                    throw fail(
                        p + ".bind.recursive", "expected enabled, disabled, writable or readonly, got \"\(text)\"")
                }
                // The engine refuses these without a read-only mount (moby's "mount options conflict").
                if recursion == .writable || recursion == .readonly, !m.readOnly {
                    throw fail(
                        p + ".bind.recursive", "\(text) needs read_only: true (it says how read-only reaches submounts)"
                    )
                }
                m.recursion = recursion
            }
            if let b = t["bind"], let pt = b["propagation"] {
                let text = try string(pt, p + ".bind.propagation")
                guard MountRequest.propagations.contains(text) else {
                    throw fail(
                        p + ".bind.propagation",
                        "expected rprivate, private, rshared, shared, rslave or slave, got \"\(text)\"")
                }
                m.propagation = text
            }
            if let tm = t["tmpfs"], let size = tm["size"] { m.tmpfsSize = try bytes(size, p + ".tmpfs.size") }
            if let tm = t["tmpfs"], let modeTree = tm["mode"] {
                // Permission bits, octal as in chmod (1777, 0o1777, 01777).
                let text = try string(modeTree, p + ".tmpfs.mode")
                let digits = text.hasPrefix("0o") ? String(text.dropFirst(2)) : text
                guard let mode = UInt32(digits, radix: 8), mode <= 0o7777 else {
                    throw fail(p + ".tmpfs.mode", "expected octal permission bits such as 1777, got \"\(text)\"")
                }
                m.tmpfsOptions.append("mode=" + String(mode, radix: 8))
            }
            if let vo = t["volume"], let nc = vo["nocopy"] { m.noCopy = try bool(nc, p + ".volume.nocopy") }
            return m
        default:
            throw fail(p, "must be a string (\"data:/var/lib/data\") or a mapping, got \(describe(t))")
        }
    }

    mutating func dependsOn(_ t: ComposeTree, _ p: String) throws(ComposeError) -> [ComposeDependency] {
        switch t {
        case .null: return []
        case .sequence:
            return try strings(t, p).map { ComposeDependency(service: $0) }
        case .mapping(let entries):
            var out: [ComposeDependency] = []
            for e in entries {
                let ep = p + "." + e.key
                var d = ComposeDependency(service: e.key)
                for f in try mapping(e.value, ep) {
                    switch f.key {
                    case "condition":
                        let c = try string(f.value, ep + ".condition")
                        guard let cond = ComposeDependency.Condition(rawValue: c) else {
                            throw fail(
                                ep + ".condition",
                                "expected service_started, service_healthy or service_completed_successfully, got \"\(c)\""
                            )
                        }
                        d.condition = cond
                    case "restart": d.restart = try bool(f.value, ep + ".restart")
                    case "required": d.required = try bool(f.value, ep + ".required")
                    default: break  // x- extensions (ComposeSchema refused the rest)
                    }
                }
                out.append(d)
            }
            return out
        default:
            throw fail(p, "must be a list of services or a mapping, got \(describe(t))")
        }
    }

    mutating func healthcheck(_ t: ComposeTree, _ p: String) throws(ComposeError) -> ComposeHealthcheck? {
        if case .null = t { return nil }
        var h = ComposeHealthcheck()
        for e in try mapping(t, p) {
            let ep = p + "." + e.key
            switch e.key {
            case "test":
                if case .scalar(let s, _) = e.value {
                    h.test = s == "NONE" ? ["NONE"] : ["CMD-SHELL", s]
                } else {
                    let test = try strings(e.value, ep)
                    guard let first = test.first, ["CMD", "CMD-SHELL", "NONE"].contains(first) else {
                        throw fail(ep, "a list test must start with CMD, CMD-SHELL or NONE")
                    }
                    h.test = test
                }
            case "interval": h.interval = try duration(e.value, ep)
            case "timeout": h.timeout = try duration(e.value, ep)
            case "start_period": h.startPeriod = try duration(e.value, ep)
            case "start_interval": h.startInterval = try duration(e.value, ep)
            case "retries": h.retries = try int(e.value, ep, min: 1)
            case "disable": h.disable = try bool(e.value, ep)
            default: break  // x- extensions (ComposeSchema refused the rest)
            }
        }
        return h
    }

    mutating func serviceNetworks(_ t: ComposeTree, _ p: String) throws(ComposeError) -> [ComposeServiceNetwork] {
        switch t {
        case .null: return []
        case .sequence: return try strings(t, p).map { ComposeServiceNetwork(name: $0) }
        case .mapping(let entries):
            var out: [ComposeServiceNetwork] = []
            for e in entries {
                let ep = p + "." + e.key
                var n = ComposeServiceNetwork(name: e.key)
                if case .mapping = e.value {
                    if let a = e.value["aliases"] { n.aliases = try strings(a, ep + ".aliases") }
                    n.ipv4Address = try optionalString(e.value["ipv4_address"], ep + ".ipv4_address")
                    n.ipv6Address = try optionalString(e.value["ipv6_address"], ep + ".ipv6_address")
                    if let m = e.value["mac_address"] { n.macAddress = try macAddress(m, ep + ".mac_address") }
                    try endpoint(e.value, ep, into: &n)
                } else if case .null = e.value {
                } else {
                    throw fail(ep, "must be a mapping (aliases…) or empty, got \(describe(e.value))")
                }
                out.append(n)
            }
            if case .failure(let why) = EndpointOptions.interfaceNames(out.map(\.endpoint.interfaceName)) {
                throw fail(p, why.reason)
            }
            return out
        default:
            throw fail(p, "must be a list of networks or a mapping, got \(describe(t))")
        }
    }

    /// `scale:` and `deploy.replicas:` are one setting: both given must agree (Compose's words).
    func setScale(_ s: inout ComposeService, _ n: Int) throws(ComposeError) {
        if let given = s.scale, given != n {
            throw fail("services.\(s.name)", "can't set distinct values on 'scale' and 'deploy.replicas'")
        }
        s.scale = n
    }

    mutating func deploy(_ t: ComposeTree, _ p: String, into s: inout ComposeService) throws(ComposeError) {
        if let r = t["replicas"] { try setScale(&s, try int(r, p + ".replicas", min: 0)) }
        if let res = t["resources"] {
            if let l = res["limits"] {
                let lp = p + ".resources.limits"
                for e in try mapping(l, lp) {
                    switch e.key {
                    case "memory": s.limits.memory = try bytes(e.value, lp + ".memory")
                    case "cpus": s.limits.cpus = try cpus(e.value, lp + ".cpus")
                    case "pids": s.limits.pids = try pidsLimit(e.value, lp + ".pids")
                    default: break  // x- extensions (ComposeSchema refused the rest)
                    }
                }
            }
            if let m = res["reservations"]?["memory"] {
                s.resources.memoryReservation = try bytes(m, p + ".resources.reservations.memory")
            }
        }
        if let rp = t["restart_policy"], s.restart == nil, let c = rp["condition"] {
            let cond = try string(c, p + ".restart_policy.condition")
            switch cond {
            case "none": s.restart = "no"
            case "on-failure": s.restart = "on-failure"
            case "any": s.restart = "always"
            default: throw fail(p + ".restart_policy.condition", "expected none, on-failure or any, got \"\(cond)\"")
            }
            if let m = rp["max_attempts"], s.restart == "on-failure" {
                s.restart = "on-failure:\(try int(m, p + ".restart_policy.max_attempts", min: 0))"
            }
        }
    }

    // MARK: volumes and networks

    mutating func volume(_ key: String, _ t: ComposeTree, path: String) throws(ComposeError) -> ComposeVolume {
        guard ComposePaths.isValidVolumeName(key) else {
            throw fail(path, "invalid volume name: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
        var v = ComposeVolume(name: key, realName: "\(projectName)_\(key)")
        if case .null = t { return v }
        if let e = t["external"] {
            if case .mapping = e {
                v.external = true
                if let n = e["name"] { v.realName = try string(n, path + ".external.name") }
            } else {
                v.external = try bool(e, path + ".external")
            }
            if v.external { v.realName = key }
        }
        if let n = t["name"] { v.realName = try string(n, path + ".name") }
        v.driver = try optionalString(t["driver"], path + ".driver")
        if let d = v.driver, d != "local" {
            throw ComposeError.unsupported(
                "\(file): \(path).driver: only the local volume driver exists in skiff, got \"\(d)\"")
        }
        if let l = t["labels"] { v.labels = try labels(l, path + ".labels") }
        if let o = t["driver_opts"] {
            var options = try labels(o, path + ".driver_opts")
            do throws(KitError) {
                // Checked as `volume create -o` checks them (a bind's device only once it is absolute).
                if let device = options["device"], !device.hasPrefix("/"),
                    LocalVolumeOptions.isBindList(options["o"] ?? "")
                {
                    options["device"] = absolute(device)
                }
                _ = try LocalVolumeOptions(options, origin: "\(file): \(path).driver_opts")
            } catch {
                throw ComposeError.unsupported("\(error)")
            }
            v.driverOptions = options
        }
        return v
    }

    mutating func network(_ key: String, _ t: ComposeTree, path: String) throws(ComposeError) -> ComposeNetwork {
        var n = ComposeNetwork(name: key, realName: "\(projectName)_\(key)")
        if case .null = t { return n }
        if let e = t["external"] {
            if case .mapping = e {
                n.external = true
                if let nm = e["name"] { n.realName = try string(nm, path + ".external.name") }
            } else {
                n.external = try bool(e, path + ".external")
            }
            if n.external && e.entries == nil { n.realName = key }
        }
        if let nm = t["name"] { n.realName = try string(nm, path + ".name") }
        n.driver = try optionalString(t["driver"], path + ".driver")
        if let d = n.driver, d != "bridge" {
            throw ComposeError.unsupported(
                "\(file): \(path).driver: only the bridge driver exists in skiff, got \"\(d)\"")
        }
        if let i = t["internal"] { n.isInternal = try bool(i, path + ".internal") }
        if let l = t["labels"] { n.labels = try labels(l, path + ".labels") }
        try networkExtras(t, path, into: &n)
        return n
    }
}
