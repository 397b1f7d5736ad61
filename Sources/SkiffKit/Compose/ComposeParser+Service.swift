import Foundation

/// Service keys beyond the basic ones (ComposeSchema has already refused unknown and unsupported keys):
/// links, logging, and the resource settings that become OCI resources.
extension ComposeParser {
    /// Parse `key` of a service into `s`; keys ComposeParser.service handled itself never come here.
    mutating func serviceExtra(_ key: String, _ v: ComposeTree, _ p: String, into s: inout ComposeService)
        throws(ComposeError)
    {
        switch key {
        case "links":
            for (i, text) in try strings(v, p).enumerated() {
                let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count <= 2, !parts.contains(where: \.isEmpty) else {
                    throw fail("\(p)[\(i)]", "expected SERVICE or SERVICE:ALIAS, got \"\(text)\"")
                }
                s.links.append(ComposeLink(service: parts[0], alias: parts.count == 2 ? parts[1] : parts[0]))
            }
        case "external_links":
            for (i, text) in try strings(v, p).enumerated() {
                do { _ = try ContainerNetworkRequest.Link.parse(text, origin: "") } catch {
                    throw fail("\(p)[\(i)]", "expected CONTAINER or CONTAINER:ALIAS, got \"\(text)\"")
                }
                s.externalLinks.append(text)
            }
        case "mac_address": s.macAddress = try macAddress(v, p)
        case "post_start", "pre_stop":
            let hooks = try list(v, p).enumerated().map { (i, h) throws(ComposeError) in
                try serviceHook(h, "\(p)[\(i)]")
            }
            if key == "post_start" { s.postStart = hooks } else { s.preStop = hooks }
        case "logging": try logging(v, p, into: &s)
        case "pid", "ipc", "uts", "cgroup": try namespaceKey(key, v, p, into: &s)
        case "develop": s.develop = try develop(v, p)
        case "mem_reservation": s.resources.memoryReservation = try bytes(v, p)
        case "memswap_limit":
            if case .scalar(let text, _) = v, text == "-1" {
                s.resources.memorySwap = -1
            } else {
                s.resources.memorySwap = try bytes(v, p)
            }
        case "cpu_count": _ = try int(v, p, min: 0)  // Windows only; Docker on Linux ignores it
        case "isolation":
            let value = try string(v, p)
            do { try Isolation.check(value) } catch { throw fail(p, error.description) }
        case "cpu_percent":
            // Windows only: Docker on Linux discards it with this warning.
            if try int(v, p, min: 0, max: 100) > 0 {
                warnUnsupported(p, "linux does not support CPU percent. Percent discarded.")
            }
        case "cpu_shares": s.resources.cpuShares = UInt64(try int(v, p, min: 0, max: 262_144))
        case "cpuset": s.resources.cpusetCpus = try string(v, p)
        case "cpu_quota": s.resources.cpuQuota = Int64(try int(v, p, min: -1))
        case "cpu_period": s.resources.cpuPeriod = UInt64(try int(v, p, min: 0))
        case "cpu_rt_runtime": s.resources.cpuRealtimeRuntime = try microseconds(v, p, min: -1)
        case "cpu_rt_period": s.resources.cpuRealtimePeriod = UInt64(try microseconds(v, p, min: 0))
        case "mem_swappiness":
            // -1: the kernel's default, as Docker takes it.
            let n = try int(v, p, min: -1, max: 100)
            s.resources.memorySwappiness = n < 0 ? nil : UInt64(n)
        case "oom_kill_disable": s.resources.oomKillDisable = try bool(v, p)
        case "blkio_config": s.resources.blockIO = try blkioConfig(v, p)
        case "cgroup_parent": s.resources.cgroupParent = try string(v, p)
        case "attach": s.attach = try bool(v, p)
        case "oom_score_adj": s.resources.oomScoreAdj = try int(v, p, min: -1000, max: 1000)
        case "shm_size": s.resources.shmSize = try bytes(v, p)
        case "domainname": s.resources.domainname = try string(v, p)
        case "annotations": s.resources.annotations = try labels(v, p)
        case "userns_mode":
            let mode = try string(v, p)
            guard (try? DaemonSettings.checkUserns(mode)) != nil else {
                throw fail(
                    p, "invalid USER mode \"\(mode)\" (skiff has no user-namespace remapping; only host is valid)")
            }
            s.usernsMode = mode
        case "runtime":
            // Any name loads, as with Docker Compose; creating the container refuses one the daemon
            // does not have (ComposeWiring.runOptions), as dockerd does.
            let name = try string(v, p)
            s.runtime = name.isEmpty ? nil : name
        case "storage_opt": s.storageOptions = try labels(v, p)
        case "extra_hosts":
            s.names.extraHosts = try extraHosts(v, p)
            do { try s.names.validate() } catch { throw fail(p, "\(error)") }
        case "dns":
            s.names.dns = try stringOrList(v, p)
            do { try s.names.validate() } catch { throw fail(p, "\(error)") }
        case "dns_search": s.names.dnsSearch = try stringOrList(v, p)
        case "dns_opt": s.names.dnsOptions = try strings(v, p)
        case "ulimits": s.resources.ulimits += try ulimits(v, p)
        case "devices":
            for (i, item) in try list(v, p).enumerated() {
                let ip = "\(p)[\(i)]"
                var text: String
                if case .mapping = item {
                    guard let source = try optionalString(item["source"], ip + ".source") else {
                        throw fail(ip, "source is required in the long device syntax")
                    }
                    text = source + ":" + (try optionalString(item["target"], ip + ".target") ?? source)
                    if let perms = try optionalString(item["permissions"], ip + ".permissions") { text += ":" + perms }
                } else {
                    text = try string(item, ip)
                    if !text.hasPrefix("/"), text.contains("=") {
                        throw ComposeError.unsupported(
                            "\(file): \(ip): CDI device names (\"\(text)\") are not supported by skiff; give the device node's path"
                        )
                    }
                }
                do { s.devices.append(try DeviceMapping(parsing: text, origin: "device")) } catch {
                    throw fail(ip, error.description)
                }
            }
        case "device_cgroup_rules":
            for (i, rule) in try strings(v, p).enumerated() {
                do { _ = try DeviceCgroupRule.parse(rule) } catch { throw fail("\(p)[\(i)]", error.description) }
                s.deviceCgroupRules.append(rule)
            }
        case "group_add": s.groupAdd = try strings(v, p)
        case "volumes_from":
            for (i, text) in try strings(v, p).enumerated() {
                // SERVICE[:ro|rw] or container:NAME[:ro|rw]
                var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                var isContainer = false
                if parts.first == "container" { isContainer = true; parts.removeFirst() }
                var mode: String?
                if parts.count == 2 { mode = parts.removeLast() }
                guard parts.count == 1, !parts[0].isEmpty, mode.map({ ["ro", "rw"].contains($0) }) ?? true else {
                    throw fail("\(p)[\(i)]", "expected SERVICE[:ro|rw] or container:NAME[:ro|rw], got \"\(text)\"")
                }
                s.volumesFrom.append(
                    ComposeVolumesFrom(name: parts[0], isContainer: isContainer, readOnly: mode.map { $0 == "ro" }))
            }
        default:
            break
        }
        do { try s.resources.validate() } catch { throw fail(p, "\(error)") }
    }

    /// `label_file:` (one path or a list): KEY=VALUE lines as in an env file, read at load; `labels:`
    /// wins over them, a later file over an earlier one.
    func labelFiles(_ t: ComposeTree, _ p: String) throws(ComposeError) -> [String: String] {
        var out: [String: String] = [:]
        for (i, name) in try stringOrList(t, p).enumerated() {
            let path = ComposePaths.resolve(name, against: directory)
            guard FileManager.default.fileExists(atPath: path) else {
                throw fail(t.items == nil ? p : "\(p)[\(i)]", "label file \(path) not found")
            }
            let text = try ComposeLoader.read(path)
            do {
                for (k, v) in try ComposeEnvFile.parse(text) { out[k] = v ?? "" }
            } catch {
                throw .invalid(file: path, path: "line \(error.line)", reason: error.reason)
            }
        }
        return out
    }

    /// A number of microseconds, or a duration ("400ms", "1s") as the Compose Spec allows for cpu_rt_*.
    func microseconds(_ t: ComposeTree, _ p: String, min: Int) throws(ComposeError) -> Int64 {
        if case .scalar(let text, _) = t, text.contains(where: { $0.isLetter }) {
            return try duration(t, p) / 1000
        }
        return Int64(try int(t, p, min: min))
    }

    /// `blkio_config:` (Docker's --blkio-weight, --blkio-weight-device and --device-{read,write}-{bps,iops}).
    func blkioConfig(_ t: ComposeTree, _ p: String) throws(ComposeError) -> BlockIOOptions {
        var b = BlockIOOptions()
        _ = try mapping(t, p)
        if let w = t["weight"] {
            let n = try int(w, p + ".weight", min: 0, max: 1000)
            guard BlockIOOptions.checkWeight(UInt64(n)) else {
                throw fail(p + ".weight", "must be between 10 and 1000")
            }
            b.weight = n == 0 ? nil : UInt16(n)
        }
        func devices(_ key: String, value: String, bytes: Bool) throws(ComposeError) -> [BlockIOOptions.DeviceValue] {
            guard let list = t[key] else { return [] }
            var out: [BlockIOOptions.DeviceValue] = []
            for (i, item) in try self.list(list, p + "." + key).enumerated() {
                let ip = "\(p).\(key)[\(i)]"
                guard let path = try optionalString(item["path"], ip + ".path"), path.hasPrefix("/") else {
                    throw fail(ip + ".path", "an absolute device path (such as /dev/sda) is required")
                }
                guard let v = item[value] else { throw fail(ip, "\(value) is required") }
                let n: Int64
                if bytes {
                    n = try self.bytes(v, ip + "." + value)
                    guard n >= 0 else { throw fail(ip + "." + value, "must not be negative") }
                } else if key == "weight_device" {
                    n = Int64(try int(v, ip + "." + value, min: 10, max: 1000))
                } else {
                    n = Int64(try int(v, ip + "." + value, min: 0))
                }
                out.append(.init(path: path, value: UInt64(n)))
            }
            return out
        }
        b.weightDevices = try devices("weight_device", value: "weight", bytes: false)
        b.readBps = try devices("device_read_bps", value: "rate", bytes: true)
        b.writeBps = try devices("device_write_bps", value: "rate", bytes: true)
        b.readIOPS = try devices("device_read_iops", value: "rate", bytes: false)
        b.writeIOPS = try devices("device_write_iops", value: "rate", bytes: false)
        return b
    }

    /// `logging:`: Skiff's logs are json-file-like files, rotated by max-size / max-file, so json-file
    /// and local (Docker's default drivers) are carried out; another driver would send logs elsewhere.
    mutating func logging(_ v: ComposeTree, _ p: String, into s: inout ComposeService) throws(ComposeError) {
        let driver = try optionalString(v["driver"], p + ".driver") ?? "json-file"
        guard let known = LogDriver(rawValue: driver) else {
            throw ComposeError.unsupported(
                "\(file): \(p).driver: the \(driver) logging driver is not supported by skiff (json-file, local and none are; `skiff compose logs` reads the first two)"
            )
        }
        s.logDriver = known == .jsonFile ? nil : known
        guard let options = v["options"] else { return }
        for e in try mapping(options, p + ".options") {
            let ep = p + ".options." + e.key
            switch e.key {
            case "max-size":
                let text = try string(e.value, ep)
                s.logMaxSize = text == "-1" || text == "0" ? 0 : try bytes(e.value, ep)
                s.logOptions[e.key] = text
            case "max-file":
                let files = try int(e.value, ep, min: 1)
                s.logMaxFiles = files
                s.logOptions[e.key] = "\(files)"
            case "mode", "max-buffer-size", "labels", "labels-regex", "env", "env-regex", "tag":
                // Delivery hints (blocking or not: Skiff's monitor never blocks the container on its logs)
                // and the extra attributes json-file adds for `logs --details`: checked and kept at create.
                s.logOptions[e.key] = try string(e.value, ep)
            case "compress":
                s.logOptions[e.key] = try bool(e.value, ep) ? "true" : "false"
            default:
                let known = [
                    "max-size", "max-file", "compress", "mode", "max-buffer-size", "labels", "labels-regex", "env",
                    "env-regex", "tag",
                ]
                let hint = NearestName.suggest(e.key, among: known).map { "; did you mean \($0)?" } ?? ""
                throw fail(ep, "unknown \(driver) logging option\(hint)")
            }
        }
    }
}

extension ComposeParser {
    /// `build:` keys checked as `skiff build`'s flags check them: `cache_from` / `cache_to` (BuildKit's
    /// cache specs), `network`, `isolation`.
    func buildExtras(_ t: ComposeTree, _ p: String, into b: inout ComposeBuild) throws(ComposeError) {
        func refuse(_ key: String, _ why: String) -> ComposeError { .unsupported("\(file): \(p).\(key): \(why)") }
        if let c = t["cache_from"] {
            for (i, text) in try strings(c, p + ".cache_from").enumerated() {
                do { b.cacheFrom.append(try BuildCacheSpec.parseImport(text, flag: "cache_from")) } catch {
                    throw fail("\(p).cache_from[\(i)]", error.description)
                }
            }
        }
        if let c = t["cache_to"] {
            for (i, text) in try strings(c, p + ".cache_to").enumerated() {
                do { b.cacheTo.append(try BuildCacheSpec.parseExport(text, flag: "cache_to")) } catch {
                    throw fail("\(p).cache_to[\(i)]", error.description)
                }
            }
        }
        if let n = try optionalString(t["network"], p + ".network"), !BuildOptions.networks.contains(n) {
            throw refuse("network", "a build's steps take default, host or none (got \"\(n)\")")
        }
        if let v = t["platforms"] {
            let texts = try strings(v, p + ".platforms")
            do { b.platforms = try BuildPlatform.list(texts, flag: "", anyOS: true) } catch {
                throw fail(p + ".platforms", String(error.description.drop { $0 == " " }))
            }
        }
        if let i = try optionalString(t["isolation"], p + ".isolation") {
            do { try Isolation.check(i) } catch { throw fail(p + ".isolation", error.description) }
        }
    }
}

extension ComposeParser {
    /// A `mac_address` value, checked as `--mac-address` is (unicast, not all zero) and in `ip link` form.
    func macAddress(_ v: ComposeTree, _ p: String) throws(ComposeError) -> String {
        let text = try string(v, p)
        do { return try MACAddress.parse(text) } catch { throw fail(p, error.description) }
    }
}

extension ComposeParser {
    /// `extra_hosts:` as a list (`NAME:IP`, `NAME=IP`) or a mapping (`NAME: IP` or a list of addresses).
    func extraHosts(_ v: ComposeTree, _ p: String) throws(ComposeError) -> [String] {
        guard case .mapping(let entries) = v else { return try strings(v, p) }
        var out: [String] = []
        for e in entries {
            if case .sequence = e.value {
                for ip in try strings(e.value, p + "." + e.key) { out.append(e.key + ":" + ip) }
            } else {
                out.append(e.key + ":" + (try string(e.value, p + "." + e.key)))
            }
        }
        return out
    }

    /// `ulimits:` NAME: N or NAME: {soft, hard}, checked as --ulimit is (the name, soft <= hard, -1
    /// unlimited).
    func ulimits(_ v: ComposeTree, _ p: String) throws(ComposeError) -> [ContainerResourceOptions.Ulimit] {
        var out: [ContainerResourceOptions.Ulimit] = []
        for e in try mapping(v, p) {
            let ep = p + "." + e.key
            let soft: Int, hard: Int
            if case .mapping = e.value {
                guard let st = e.value["soft"], let ht = e.value["hard"] else {
                    throw fail(ep, "needs both soft and hard")
                }
                soft = try int(st, ep + ".soft", min: -1)
                hard = try int(ht, ep + ".hard", min: -1)
            } else {
                soft = try int(e.value, ep, min: -1)
                hard = soft
            }
            do { out.append(try .init(checkedName: e.key, soft: Int64(soft), hard: Int64(hard), origin: nil)) } catch {
                throw fail(ep, error.description)
            }
        }
        return out
    }
}

extension ComposeParser {
    /// `build.additional_contexts` (a mapping, or a list of NAME=VALUE), `build.entitlements` and
    /// `build.privileged` (Compose grants security.insecure for it).
    func buildContextsAndEntitlements(_ t: ComposeTree, _ p: String, into b: inout ComposeBuild) throws(ComposeError) {
        if let v = t["additional_contexts"] {
            let kp = p + ".additional_contexts"
            var entries: [(String, String, String)] = []
            if case .mapping = v {
                for e in try mapping(v, kp) {
                    entries.append((e.key, try string(e.value, kp + "." + e.key), kp + "." + e.key))
                }
            } else {
                for (i, text) in try strings(v, kp).enumerated() {
                    guard let eq = text.firstIndex(of: "=") else { throw fail("\(kp)[\(i)]", "expected NAME=VALUE") }
                    entries.append((String(text[..<eq]), String(text[text.index(after: eq)...]), "\(kp)[\(i)]"))
                }
            }
            for (name, value, ep) in entries {
                do { _ = try BuildNamedContext.checkedName(name) } catch { throw fail(ep, error.description) }
                guard b.additionalContexts[name] == nil else { throw fail(ep, "the context \(name) is given twice") }
                if value.hasPrefix("service:") {
                    guard value.count > "service:".count else { throw fail(ep, "service: needs a service name") }
                    b.additionalContexts[name] = value
                    continue
                }
                // Relative directories are resolved against the project directory, as the context is.
                do {
                    switch try BuildNamedContext.parse(value: value, base: absolute(".")) {
                    case .directory(let path): b.additionalContexts[name] = path
                    case .image(let ref): b.additionalContexts[name] = "docker-image://" + ref
                    }
                } catch { throw fail(ep, error.description) }
            }
        }
        if let v = t["entitlements"] {
            for (i, text) in try strings(v, p + ".entitlements").enumerated() {
                do { b.entitlements.insert(try BuildEntitlement.parse(text)) } catch {
                    throw fail(
                        "\(p).entitlements[\(i)]",
                        "unknown entitlement \"\(text)\" (expected network.host or security.insecure)")
                }
            }
        }
        if let v = t["privileged"], try bool(v, p + ".privileged") { b.entitlements.insert(.securityInsecure) }
    }
}

extension ComposeParser {
    /// `additional_contexts: {x: service:b}` in a and `{y: service:a}` in b: neither could be built first.
    func checkBuildContextCycles(_ project: ComposeProject) throws(ComposeError) {
        var done = Set<String>()
        func visit(_ name: String, _ path: [String]) throws(ComposeError) {
            if let start = path.firstIndex(of: name) {
                let cycle = path[start...] + [name]
                throw fail(
                    "services.\(path[start]).build.additional_contexts",
                    "the services' builds need each other: \(cycle.joined(separator: " -> "))")
            }
            guard !done.contains(name), let s = project.service(name) else { return }
            for dep in s.build?.contextServices ?? [] { try visit(dep, path + [name]) }
            done.insert(name)
        }
        for s in project.services { try visit(s.name, []) }
    }
}
