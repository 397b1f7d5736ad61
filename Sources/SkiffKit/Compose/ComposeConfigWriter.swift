/// The resolved model as YAML (`skiff compose config`): the long syntax everywhere, paths absolute,
/// variables substituted. A service's own tree is also what its config hash is computed from.
extension ComposeProject {
    package var tree: ComposeTree {
        var top: [ComposeTree.Entry] = [.init("name", .string(name))]
        top.append(.init("services", .mapping(services.map { .init($0.name, $0.tree) })))
        if !networks.isEmpty { top.append(.init("networks", .mapping(networks.map { .init($0.name, $0.tree) }))) }
        if !volumes.isEmpty { top.append(.init("volumes", .mapping(volumes.map { .init($0.name, $0.tree) }))) }
        if !secrets.isEmpty { top.append(.init("secrets", .mapping(secrets.map { .init($0.name, $0.tree) }))) }
        if !configs.isEmpty { top.append(.init("configs", .mapping(configs.map { .init($0.name, $0.tree) }))) }
        return .mapping(top)
    }

    /// The project as `compose config` prints it.
    public func yaml() -> String { tree.yaml() }
}

private func str(_ s: String) -> ComposeTree { .scalar(s, quoted: true) }
private func list(_ a: [String]) -> ComposeTree { .sequence(a.map(str)) }
private func sortedMap(_ m: [String: String]) -> ComposeTree {
    .mapping(m.keys.sorted().map { .init($0, str(m[$0]!)) })
}

extension ComposeService {
    package var tree: ComposeTree {
        var e: [ComposeTree.Entry] = []
        func add(_ k: String, _ v: ComposeTree) { e.append(.init(k, v)) }
        if let b = build {
            var bt: [ComposeTree.Entry] = [.init("context", str(b.context))]
            if let inline = b.dockerfileInline {
                bt.append(.init("dockerfile_inline", str(inline)))
            } else {
                bt.append(.init("dockerfile", str(b.dockerfile ?? "Dockerfile")))
            }
            if !b.tags.isEmpty { bt.append(.init("tags", list(b.tags))) }
            if !b.args.isEmpty {
                bt.append(
                    .init("args", .mapping(b.args.keys.sorted().map { k in .init(k, b.args[k]!.map(str) ?? .null) })))
            }
            if let t = b.target { bt.append(.init("target", str(t))) }
            if !b.platforms.isEmpty { bt.append(.init("platforms", list(b.platforms.map(BuildPlatform.format)))) }
            if b.noCache { bt.append(.init("no_cache", .string("true"))) }
            if b.pull { bt.append(.init("pull", .string("true"))) }
            if !b.labels.isEmpty { bt.append(.init("labels", sortedMap(b.labels))) }
            if let n = b.network { bt.append(.init("network", str(n))) }
            if !b.secrets.isEmpty { bt.append(.init("secrets", .sequence(b.secrets.map(\.tree)))) }
            if !b.ssh.isEmpty { bt.append(.init("ssh", list(b.ssh))) }
            if !b.additionalContexts.isEmpty {
                bt.append(.init("additional_contexts", sortedMap(b.additionalContexts)))
            }
            if !b.entitlements.isEmpty {
                bt.append(.init("entitlements", list(b.entitlements.map(\.rawValue).sorted())))
            }
            add("build", .mapping(bt))
        }
        if let c = command { add("command", list(c)) }
        if !dependsOn.isEmpty {
            add(
                "depends_on",
                .mapping(
                    dependsOn.map { d in
                        .init(
                            d.service,
                            .mapping(
                                [.init("condition", .string(d.condition.rawValue))]
                                    + (d.restart ? [.init("restart", .string("true"))] : [])
                                    + [.init("required", .string(d.required ? "true" : "false"))]))
                    }))
        }
        if let ep = entrypoint { add("entrypoint", list(ep)) }
        if !environment.isEmpty {
            add("environment", .mapping(environment.map { .init($0.name, $0.value.map(str) ?? .null) }))
        }
        if !envFiles.isEmpty { add("env_file", list(envFiles)) }
        if !expose.isEmpty { add("expose", list(expose)) }
        if let h = healthcheck {
            var ht: [ComposeTree.Entry] = []
            if let t = h.test { ht.append(.init("test", list(t))) }
            if let v = h.interval { ht.append(.init("interval", .string(Units.format(nanoseconds: v)))) }
            if let v = h.timeout { ht.append(.init("timeout", .string(Units.format(nanoseconds: v)))) }
            if let v = h.startPeriod { ht.append(.init("start_period", .string(Units.format(nanoseconds: v)))) }
            if let v = h.retries { ht.append(.init("retries", .string("\(v)"))) }
            if h.disable { ht.append(.init("disable", .string("true"))) }
            add("healthcheck", .mapping(ht))
        }
        if let v = hostname { add("hostname", str(v)) }
        if let v = containerName { add("container_name", str(v)) }
        if let v = image { add("image", str(v)) }
        if let v = initProcess { add("init", .string(v ? "true" : "false")) }
        if !labels.isEmpty { add("labels", sortedMap(labels)) }
        if let m = networkMode { add("network_mode", str(m)) }
        if networkMode == nil {
            add(
                "networks",
                .mapping(
                    networkNames.map { n in
                        let aliases = networks.first { $0.name == n }?.aliases ?? []
                        var nt: [ComposeTree.Entry] = aliases.isEmpty ? [] : [.init("aliases", list(aliases))]
                        if let ip = networks.first(where: { $0.name == n })?.ipv4Address {
                            nt.append(.init("ipv4_address", str(ip)))
                        }
                        if let ip = networks.first(where: { $0.name == n })?.ipv6Address {
                            nt.append(.init("ipv6_address", str(ip)))
                        }
                        if let mac = networks.first(where: { $0.name == n })?.macAddress {
                            nt.append(.init("mac_address", str(mac)))
                        }
                        if let sn = networks.first(where: { $0.name == n }) {
                            if let i = sn.interfaceName { nt.append(.init("interface_name", str(i))) }
                            if !sn.linkLocalIPs.isEmpty { nt.append(.init("link_local_ips", list(sn.linkLocalIPs))) }
                            if !sn.driverOpts.isEmpty { nt.append(.init("driver_opts", sortedMap(sn.driverOpts))) }
                        }
                        return .init(n, nt.isEmpty ? .null : .mapping(nt))
                    }))
        }
        if !ports.isEmpty {
            add(
                "ports",
                .sequence(
                    ports.map { p in
                        var pt: [ComposeTree.Entry] = [.init("mode", .string("ingress"))]
                        if let ip = p.hostIP { pt.append(.init("host_ip", str(ip))) }
                        pt.append(.init("target", .string("\(p.target)")))
                        if let pub = p.publishedText { pt.append(.init("published", str(pub))) }
                        pt.append(.init("protocol", .string(p.proto)))
                        return .mapping(pt)
                    }))
        }
        if privileged { add("privileged", .string("true")) }
        if !profiles.isEmpty { add("profiles", list(profiles)) }
        if readOnly { add("read_only", .string("true")) }
        if !sysctls.isEmpty { add("sysctls", sortedMap(sysctls)) }
        if !capAdd.isEmpty { add("cap_add", list(capAdd)) }
        if !capDrop.isEmpty { add("cap_drop", list(capDrop)) }
        if !securityOpt.isEmpty { add("security_opt", list(securityOpt)) }
        if !devices.isEmpty {
            add(
                "devices",
                .sequence(
                    devices.map { d in
                        .mapping([
                            .init("source", str(d.hostPath)), .init("target", str(d.containerPath)),
                            .init("permissions", str(d.permissions)),
                        ])
                    }))
        }
        if !deviceCgroupRules.isEmpty { add("device_cgroup_rules", list(deviceCgroupRules)) }
        if !groupAdd.isEmpty { add("group_add", list(groupAdd)) }
        if !volumesFrom.isEmpty { add("volumes_from", list(volumesFrom.map(\.text))) }
        if let r = restart { add("restart", str(r)) }
        if let n = scale { add("scale", .string("\(n)")) }
        if let s = stopSignal { add("stop_signal", str(s)) }
        if let g = stopGracePeriod { add("stop_grace_period", .string("\(g)s")) }
        if let p = pullPolicy { add("pull_policy", str(p)) }
        if let p = platform { add("platform", str(BuildPlatform.format(p))) }
        if stdinOpen { add("stdin_open", .string("true")) }
        if tty { add("tty", .string("true")) }
        if let u = user { add("user", str(u)) }
        if !volumes.isEmpty {
            add(
                "volumes",
                .sequence(
                    volumes.map { m in
                        var mt: [ComposeTree.Entry] = [.init("type", .string(m.type.rawValue))]
                        if let s = m.source { mt.append(.init("source", str(s))) }
                        mt.append(.init("target", str(m.target)))
                        if m.readOnly { mt.append(.init("read_only", .string("true"))) }
                        if m.type == .bind {
                            var bt: [ComposeTree.Entry] = []
                            if let p = m.propagation { bt.append(.init("propagation", str(p))) }
                            bt.append(.init("create_host_path", .string(m.createHostPath ? "true" : "false")))
                            if let r = m.recursion { bt.append(.init("recursive", str(r.rawValue))) }
                            mt.append(.init("bind", .mapping(bt)))
                        }
                        if m.noCopy { mt.append(.init("volume", .mapping([.init("nocopy", .string("true"))]))) }
                        var tt: [ComposeTree.Entry] = []
                        if let size = m.tmpfsSize { tt.append(.init("size", .string("\(size)"))) }
                        for o in m.tmpfsOptions {
                            let kv = o.split(separator: "=", maxSplits: 1).map(String.init)
                            if kv.count == 2, kv[0] == "size" || kv[0] == "mode" {
                                tt.append(.init(kv[0], .string(kv[1])))
                            }
                        }
                        if !tt.isEmpty { mt.append(.init("tmpfs", .mapping(tt))) }
                        return .mapping(mt)
                    }))
        }
        if limits != ComposeLimits() {
            var lt: [ComposeTree.Entry] = []
            if let c = limits.cpus { lt.append(.init("cpus", str("\(c)"))) }
            if let m = limits.memory { lt.append(.init("memory", str("\(m)"))) }
            if let p = limits.pids { lt.append(.init("pids", .string("\(p)"))) }
            add("deploy", .mapping([.init("resources", .mapping([.init("limits", .mapping(lt))]))]))
        }
        if let w = workingDir { add("working_dir", str(w)) }
        if !secrets.isEmpty { add("secrets", .sequence(secrets.map(\.tree))) }
        if !configs.isEmpty { add("configs", .sequence(configs.map(\.tree))) }
        e += extraEntries + namespaces.entries
        return .mapping(e)
    }
}

extension ComposeVolume {
    var tree: ComposeTree {
        var e: [ComposeTree.Entry] = [.init("name", str(realName))]
        if external { e.append(.init("external", .string("true"))) }
        if let d = driver { e.append(.init("driver", str(d))) }
        if !driverOptions.isEmpty { e.append(.init("driver_opts", sortedMap(driverOptions))) }
        if !labels.isEmpty { e.append(.init("labels", sortedMap(labels))) }
        return .mapping(e)
    }
}

extension ComposeNetwork {
    var tree: ComposeTree {
        var e: [ComposeTree.Entry] = [.init("name", str(realName))]
        if external { e.append(.init("external", .string("true"))) }
        if let d = driver { e.append(.init("driver", str(d))) }
        if isInternal { e.append(.init("internal", .string("true"))) }
        if !labels.isEmpty { e.append(.init("labels", sortedMap(labels))) }
        e += extraEntries
        return .mapping(e)
    }
}

extension ComposeSecret {
    var tree: ComposeTree {
        switch source {
        case .file(let f): return .mapping([.init("name", str(name)), .init("file", str(f))])
        case .environment(let v): return .mapping([.init("name", str(name)), .init("environment", str(v))])
        case .content(let c): return .mapping([.init("name", str(name)), .init("content", str(c))])
        case .external: return .mapping([.init("name", str(name)), .init("external", .string("true"))])
        }
    }
}

extension ComposeSecretUse {
    var tree: ComposeTree {
        var e: [ComposeTree.Entry] = [.init("source", str(source))]
        if let t = target { e.append(.init("target", str(t))) }
        if let u = uid { e.append(.init("uid", str("\(u)"))) }
        if let g = gid { e.append(.init("gid", str("\(g)"))) }
        if let m = mode { e.append(.init("mode", .string("0" + String(m, radix: 8)))) }
        return .mapping(e)
    }
}
