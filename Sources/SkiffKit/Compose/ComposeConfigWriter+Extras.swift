/// `compose config` (and the config hash) for the keys of ComposeParser+Service and +Networks.
extension ComposeService {
    var extraEntries: [ComposeTree.Entry] {
        func str(_ s: String) -> ComposeTree { .scalar(s, quoted: true) }
        var e: [ComposeTree.Entry] = []
        if !links.isEmpty {
            e.append(
                .init(
                    "links",
                    .sequence(links.map { str($0.service == $0.alias ? $0.service : "\($0.service):\($0.alias)") })))
        }
        if logMaxSize != nil || logMaxFiles != nil || logDriver != nil || !logOptions.isEmpty {
            var options = logOptions
            if let f = logMaxFiles { options["max-file"] = "\(f)" }
            if let s = logMaxSize { options["max-size"] = "\(s)" }
            let o = options.keys.sorted().map { ComposeTree.Entry($0, str(options[$0]!)) }
            let driver = ComposeTree.Entry("driver", .string((logDriver ?? .jsonFile).rawValue))
            e.append(.init("logging", .mapping(o.isEmpty ? [driver] : [driver, .init("options", .mapping(o))])))
        }
        if let m = usernsMode { e.append(.init("userns_mode", str(m))) }
        if let r = runtime { e.append(.init("runtime", str(r))) }
        if !storageOptions.isEmpty {
            e.append(
                .init("storage_opt", .mapping(storageOptions.keys.sorted().map { .init($0, str(storageOptions[$0]!)) }))
            )
        }
        if !externalLinks.isEmpty { e.append(.init("external_links", .sequence(externalLinks.map(str)))) }
        if let m = macAddress { e.append(.init("mac_address", str(m))) }
        if !postStart.isEmpty { e.append(.init("post_start", .sequence(postStart.map(\.tree)))) }
        if !preStop.isEmpty { e.append(.init("pre_stop", .sequence(preStop.map(\.tree)))) }
        if !attach { e.append(.init("attach", .string("false"))) }
        if let d = develop { e.append(.init("develop", d.tree)) }
        let n = names
        if !n.dns.isEmpty { e.append(.init("dns", .sequence(n.dns.map(str)))) }
        if !n.dnsOptions.isEmpty { e.append(.init("dns_opt", .sequence(n.dnsOptions.map(str)))) }
        if !n.dnsSearch.isEmpty { e.append(.init("dns_search", .sequence(n.dnsSearch.map(str)))) }
        if !n.extraHosts.isEmpty { e.append(.init("extra_hosts", .sequence(n.extraHosts.map(str)))) }
        let r = resources
        if !r.annotations.isEmpty {
            e.append(
                .init("annotations", .mapping(r.annotations.keys.sorted().map { .init($0, str(r.annotations[$0]!)) })))
        }
        if !r.blockIO.isEmpty { e.append(.init("blkio_config", r.blockIO.tree)) }
        if let v = r.cgroupParent { e.append(.init("cgroup_parent", str(v))) }
        if let v = r.cpuPeriod { e.append(.init("cpu_period", .string("\(v)"))) }
        if let v = r.cpuQuota { e.append(.init("cpu_quota", .string("\(v)"))) }
        if let v = r.cpuRealtimePeriod { e.append(.init("cpu_rt_period", .string("\(v)"))) }
        if let v = r.cpuRealtimeRuntime { e.append(.init("cpu_rt_runtime", .string("\(v)"))) }
        if let v = r.cpuShares { e.append(.init("cpu_shares", .string("\(v)"))) }
        if let v = r.cpusetCpus { e.append(.init("cpuset", str(v))) }
        if let v = r.domainname { e.append(.init("domainname", str(v))) }
        if let v = r.memoryReservation { e.append(.init("mem_reservation", str("\(v)"))) }
        if let v = r.memorySwap { e.append(.init("memswap_limit", str("\(v)"))) }
        if let v = r.memorySwappiness { e.append(.init("mem_swappiness", .string("\(v)"))) }
        if let v = r.oomKillDisable { e.append(.init("oom_kill_disable", .string(v ? "true" : "false"))) }
        if let v = r.oomScoreAdj { e.append(.init("oom_score_adj", .string("\(v)"))) }
        if let v = r.shmSize { e.append(.init("shm_size", str("\(v)"))) }
        if !r.ulimits.isEmpty {
            func n(_ v: UInt64) -> String { v == UInt64.max ? "-1" : "\(v)" }
            e.append(
                .init(
                    "ulimits",
                    .mapping(
                        r.ulimits.map { u in
                            .init(
                                u.name,
                                .mapping([.init("hard", .string(n(u.hard))), .init("soft", .string(n(u.soft)))]))
                        })))
        }
        return e
    }
}

extension ComposeNetwork {
    var extraEntries: [ComposeTree.Entry] {
        func str(_ s: String) -> ComposeTree { .scalar(s, quoted: true) }
        func sortedMap(_ m: [String: String]) -> ComposeTree {
            .mapping(m.keys.sorted().map { .init($0, str(m[$0]!)) })
        }
        var e: [ComposeTree.Entry] = []
        var opts: [ComposeTree.Entry] = []
        if let ip = bridgeOptions.hostBindingIPv4 {
            opts.append(.init("com.docker.network.bridge.host_binding_ipv4", str(ip)))
        }
        if let mtu = bridgeOptions.mtu { opts.append(.init("com.docker.network.driver.mtu", str("\(mtu)"))) }
        if !bridgeOptions.interContainer { opts.append(.init("com.docker.network.bridge.enable_icc", str("false"))) }
        if !bridgeOptions.masquerade {
            opts.append(.init("com.docker.network.bridge.enable_ip_masquerade", str("false")))
        }
        if !opts.isEmpty { e.append(.init("driver_opts", .mapping(opts))) }
        if !enableIPv4 { e.append(.init("enable_ipv4", .string("false"))) }
        if enableIPv6 { e.append(.init("enable_ipv6", .string("true"))) }
        var blocks: [ComposeTree] = []
        if subnet != nil {
            var c: [ComposeTree.Entry] = []
            if let s = subnet { c.append(.init("subnet", str(s))) }
            if let g = gateway { c.append(.init("gateway", str(g))) }
            if let r = ipRange { c.append(.init("ip_range", str(r))) }
            let aux4 = auxAddresses.filter { !$0.value.contains(":") }
            if !aux4.isEmpty { c.append(.init("aux_addresses", sortedMap(aux4))) }
            blocks.append(.mapping(c))
        }
        if let s6 = subnet6 {
            var c: [ComposeTree.Entry] = [.init("subnet", str(s6))]
            if let g = gateway6 { c.append(.init("gateway", str(g))) }
            let aux6 = auxAddresses.filter { $0.value.contains(":") }
            if !aux6.isEmpty { c.append(.init("aux_addresses", sortedMap(aux6))) }
            blocks.append(.mapping(c))
        }
        var ipam: [ComposeTree.Entry] = []
        if !blocks.isEmpty { ipam.append(.init("config", .sequence(blocks))) }
        if !ipamOptions.isEmpty { ipam.append(.init("options", sortedMap(ipamOptions))) }
        if !ipam.isEmpty { e.append(.init("ipam", .mapping(ipam))) }
        return e
    }
}

extension ComposeDevelop {
    var tree: ComposeTree {
        func str(_ s: String) -> ComposeTree { .scalar(s, quoted: true) }
        let rules: [ComposeTree] = watch.map { r in
            var e: [ComposeTree.Entry] = [.init("action", .string(r.action.rawValue)), .init("path", str(r.path))]
            if let t = r.target { e.append(.init("target", str(t))) }
            if !r.ignore.isEmpty { e.append(.init("ignore", .sequence(r.ignore.map(str)))) }
            if !r.include.isEmpty { e.append(.init("include", .sequence(r.include.map(str)))) }
            if r.initialSync { e.append(.init("initial_sync", .string("true"))) }
            if let x = r.exec { e.append(.init("exec", x.tree)) }
            return .mapping(e)
        }
        return .mapping([.init("watch", .sequence(rules))])
    }
}

extension ComposeServiceHook {
    var tree: ComposeTree {
        func str(_ s: String) -> ComposeTree { .scalar(s, quoted: true) }
        var xe: [ComposeTree.Entry] = [.init("command", .sequence(command.map(str)))]
        if let u = user { xe.append(.init("user", str(u))) }
        if privileged { xe.append(.init("privileged", .string("true"))) }
        if let w = workingDir { xe.append(.init("working_dir", str(w))) }
        if !environment.isEmpty {
            xe.append(.init("environment", .mapping(environment.map { .init($0.name, $0.value.map(str) ?? .null) })))
        }
        return .mapping(xe)
    }
}

extension BlockIOOptions {
    var tree: ComposeTree {
        func str(_ s: String) -> ComposeTree { .scalar(s, quoted: true) }
        var e: [ComposeTree.Entry] = []
        if let w = weight { e.append(.init("weight", .string("\(w)"))) }
        let lists: [(String, String, [DeviceValue])] = [
            ("weight_device", "weight", weightDevices), ("device_read_bps", "rate", readBps),
            ("device_write_bps", "rate", writeBps), ("device_read_iops", "rate", readIOPS),
            ("device_write_iops", "rate", writeIOPS),
        ]
        for (key, value, list) in lists where !list.isEmpty {
            e.append(
                .init(
                    key,
                    .sequence(
                        list.map { .mapping([.init("path", str($0.path)), .init(value, .string("\($0.value)"))]) })))
        }
        return .mapping(e)
    }
}

extension ComposeProject {
    /// `config --no-normalize`: the model without what normalization adds to it — the implicit
    /// `default` network (and services' membership of it alone), the project-prefixed names of
    /// networks and volumes that have no `name:`, a build's default Dockerfile.
    public func yaml(normalized: Bool) -> String {
        guard !normalized, case .mapping(var top) = tree else { return yaml() }
        func implied(_ key: String) -> ComposeTree { .scalar("\(name)_\(key)", quoted: true) }
        for (i, section) in top.enumerated() {
            guard var entries = section.value.entries else { continue }
            switch section.key {
            case "services":
                for (j, e) in entries.enumerated() {
                    var s = e.value
                    if s["networks"] == .mapping([.init("default", .null)]) { s.remove("networks") }
                    if var b = s["build"], service(e.key)?.build?.dockerfile == nil,
                        b["dockerfile"] == .scalar("Dockerfile", quoted: true)
                    {
                        b.remove("dockerfile")
                        s.set("build", b)
                    }
                    entries[j].value = s
                }
            case "networks", "volumes":
                entries = entries.compactMap { e in
                    var v = e.value
                    if v["name"] == implied(e.key) { v.remove("name") }
                    if section.key == "networks", e.key == "default", v == .mapping([]) { return nil }
                    return .init(e.key, v)
                }
            default: continue
            }
            top[i].value = .mapping(entries)
        }
        top.removeAll { $0.key == "networks" && $0.value == .mapping([]) }
        return ComposeTree.mapping(top).yaml()
    }
}
