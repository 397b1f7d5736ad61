/// The keys the Compose Spec allows where (schema/compose-spec.json of compose-spec/compose-spec), so a
/// file is checked as `docker compose` checks it: a key the spec does not know is an error naming the
/// file, its path and the nearest valid key ("services.web.prots: unknown key; did you mean ports?").
/// `x-` keys pass wherever the spec lets extensions in. A key the spec knows but Skiff cannot carry
/// out is refused here too, with what to do instead, before anything is made.
package indirect enum ComposeShape: Sendable {
    /// Values not checked further (a scalar, or a mapping whose keys are data: labels, driver_opts).
    case any
    /// A mapping of fixed keys; `extensions`: `x-` keys allowed.
    case object([String: ComposeShape], extensions: Bool = true)
    /// A mapping whose keys are names (services, networks…), each value of one shape.
    case names(ComposeShape)
    /// A list whose items (when mappings) have this shape.
    case list(ComposeShape)
    /// A valid key whose meaning Skiff does not carry out: using it is an error with this advice.
    case refused(String)
}

package enum ComposeSchema {
    /// Check `tree` (one file, before merging) against the spec. The first problem is thrown.
    package static func validate(_ tree: ComposeTree, file: String) throws(ComposeError) {
        try check(tree, topLevel, path: "", file: file)
    }

    static func check(_ tree: ComposeTree, _ shape: ComposeShape, path: String, file: String) throws(ComposeError) {
        func child(_ key: String) -> String { path.isEmpty ? key : path + "." + key }
        switch shape {
        case .any, .refused:
            return
        case .object(let keys, let extensions):
            guard let entries = tree.entries else { return }
            for e in entries {
                if extensions && e.key.hasPrefix("x-") { continue }
                guard let sub = keys[e.key] else {
                    let hint =
                        NearestName.suggest(e.key, among: keys.keys.sorted()).map { "; did you mean \($0)?" } ?? ""
                    throw .invalid(file: file, path: child(e.key), reason: "unknown key\(hint)")
                }
                if case .refused(let advice) = sub {
                    if case .null = e.value { continue }
                    throw .unsupported("\(file): \(child(e.key)): \(advice)")
                }
                try check(e.value, sub, path: child(e.key), file: file)
            }
        case .names(let sub):
            for e in tree.entries ?? [] { try check(e.value, sub, path: child(e.key), file: file) }
        case .list(let sub):
            for (i, item) in (tree.items ?? []).enumerated() { try check(item, sub, path: "\(path)[\(i)]", file: file) }
        }
    }

    // MARK: the spec's key lists

    static let topLevel: ComposeShape = .object([
        "version": .any, "name": .any, "include": .any,
        "services": .names(service),
        "networks": .names(network),
        "volumes": .names(volume),
        "secrets": .names(
            .object([
                "name": .any, "environment": .any, "file": .any, "external": .any, "labels": .any,
                "driver": .any, "driver_opts": .any, "template_driver": .any,
            ])),
        "configs": .names(
            .object([
                "name": .any, "content": .any, "environment": .any, "file": .any, "external": .any,
                "labels": .any, "template_driver": .any,
            ])),
        "models": .refused("AI models (models:) are not supported by skiff; remove the key"),
    ])

    static let serviceConfigOrSecret: ComposeShape = .list(
        .object(["source": .any, "target": .any, "uid": .any, "gid": .any, "mode": .any]))

    static let build: ComposeShape = .object([
        "context": .any, "dockerfile": .any, "args": .any, "target": .any, "no_cache": .any, "labels": .any,
        "cache_from": .any, "cache_to": .any, "network": .any, "pull": .any, "secrets": serviceConfigOrSecret,
        "ssh": .any,
        "dockerfile_inline": .any, "tags": .any,
        "entitlements": .any, "additional_contexts": .any, "privileged": .any,
        "shm_size": .any, "extra_hosts": .any, "ulimits": .any,
        "isolation": .any,
        "platforms": .any,
    ])

    static let service: ComposeShape = .object([
        "image": .any, "build": build, "command": .any, "entrypoint": .any, "environment": .any,
        "env_file": .list(.object(["path": .any, "format": .any, "required": .any], extensions: false)),
        "ports": .list(
            .object([
                "name": .any, "mode": .any, "host_ip": .any, "target": .any, "published": .any,
                "protocol": .any, "app_protocol": .any,
            ])),
        "expose": .any,
        "volumes": .list(
            .object([
                "type": .any, "source": .any, "target": .any, "read_only": .any, "consistency": .any,
                "bind": .object(["propagation": .any, "create_host_path": .any, "recursive": .any, "selinux": .any]),
                "volume": .object(["labels": .any, "nocopy": .any, "subpath": .any]),
                "tmpfs": .object(["size": .any, "mode": .any]),
                "image": .object(["subpath": .any]),
            ])),
        "depends_on": .names(.object(["restart": .any, "required": .any, "condition": .any])),
        "healthcheck": .object([
            "disable": .any, "interval": .any, "retries": .any, "test": .any, "timeout": .any,
            "start_period": .any, "start_interval": .any,
        ]),
        "restart": .any,
        "networks": .names(
            .object([
                "aliases": .any, "ipv4_address": .any, "priority": .any, "gw_priority": .any,
                "interface_name": .any,
                "ipv6_address": .any,
                "link_local_ips": .any,
                "mac_address": .any,
                "driver_opts": .any,
            ])),
        "network_mode": .any, "working_dir": .any, "user": .any, "hostname": .any, "container_name": .any,
        "labels": .any, "tty": .any, "stdin_open": .any, "init": .any, "profiles": .any,
        "deploy": deploy,
        "stop_signal": .any, "stop_grace_period": .any, "pull_policy": .any, "cap_add": .any, "cap_drop": .any,
        "privileged": .any, "read_only": .any, "security_opt": .any, "mem_limit": .any, "cpus": .any,
        "pids_limit": .any, "tmpfs": .any, "platform": .any, "sysctls": .any,
        "secrets": serviceConfigOrSecret, "configs": serviceConfigOrSecret,
        "links": .any, "logging": .object(["driver": .any, "options": .any]),
        "mem_reservation": .any, "memswap_limit": .any, "cpu_shares": .any, "cpuset": .any, "oom_score_adj": .any,
        "ulimits": .names(.object(["soft": .any, "hard": .any])), "shm_size": .any, "domainname": .any,
        "annotations": .any, "devices": .any, "device_cgroup_rules": .any, "group_add": .any, "volumes_from": .any,
        "attach": .any,
        "blkio_config": blkioConfig,
        "cgroup": .any,
        "cgroup_parent": .any,
        // Windows settings: Docker on Linux ignores cpu_count and discards cpu_percent with a warning.
        "cpu_count": .any, "cpu_percent": .any,
        "cpu_quota": .any, "cpu_period": .any, "cpu_rt_period": .any, "cpu_rt_runtime": .any,
        "credential_spec": .refused("credential_spec is a Windows setting; remove the key"),
        "develop": develop,
        "dns": .any, "dns_opt": .any, "dns_search": .any, "extra_hosts": .any,
        "extends": .object(["service": .any, "file": .any], extensions: false),
        "provider": .refused("provider services are not supported by skiff; remove the service"),
        "external_links": .any,
        "gpus": .refused("GPUs are not supported by skiff; remove the key"),
        "ipc": .any,
        "isolation": .any,
        "label_file": .any,
        "mac_address": .any,
        "mem_swappiness": .any,
        "models": .refused("AI models are not supported by skiff; remove the key"),
        "oom_kill_disable": .any,
        "pid": .any,
        "post_start": serviceHooks,
        "pre_stop": serviceHooks,
        "pull_refresh_after": .refused("timed pull refresh is not supported by skiff; use pull_policy: always"),
        "runtime": .any,
        "scale": .any,
        "storage_opt": .any,
        "use_api_socket": .refused("skiff has no API socket; remove the key"),
        "uts": .any,
        "userns_mode": .any,
    ])

    static let blkioConfig: ComposeShape = .object(
        [
            "weight": .any,
            "weight_device": .list(.object(["path": .any, "weight": .any], extensions: false)),
            "device_read_bps": .list(.object(["path": .any, "rate": .any], extensions: false)),
            "device_write_bps": .list(.object(["path": .any, "rate": .any], extensions: false)),
            "device_read_iops": .list(.object(["path": .any, "rate": .any], extensions: false)),
            "device_write_iops": .list(.object(["path": .any, "rate": .any], extensions: false)),
        ], extensions: false)

    /// `post_start` and `pre_stop`: the Compose Spec's ServiceHook list.
    static let serviceHooks: ComposeShape = .list(
        .object(["command": .any, "user": .any, "privileged": .any, "working_dir": .any, "environment": .any]))

    static let develop: ComposeShape = .object([
        "watch": .list(
            .object([
                "action": .any, "path": .any, "target": .any, "ignore": .any, "include": .any, "initial_sync": .any,
                "exec": .object([
                    "command": .any, "user": .any, "privileged": .any, "working_dir": .any, "environment": .any,
                ]),
            ]))
    ])

    static let deploy: ComposeShape = .object([
        "mode": .any, "replicas": .any, "labels": .any,
        "restart_policy": .object([
            "condition": .any,
            // Swarm's: Docker Compose, outside a swarm, restarts with the engine's backoff and ignores them.
            "delay": .any, "window": .any,
            "max_attempts": .any,
        ]),
        "resources": .object([
            "limits": .object(["cpus": .any, "memory": .any, "pids": .any]),
            "reservations": .object([
                // Swarm's scheduling inputs, which Docker Compose ignores outside a swarm (it maps memory only).
                "cpus": .any, "generic_resources": .any,
                "memory": .any,
                "devices": .refused("device reservations (GPUs) are not supported by skiff; remove the key"),
            ]),
        ]),
        // Swarm settings: Docker Compose runs a file that has them and ignores them outside a swarm, so
        // swarm-era files come up unchanged.
        "endpoint_mode": .any, "placement": .any, "rollback_config": .any, "update_config": .any,
    ])

    static let network: ComposeShape = .object([
        "name": .any, "driver": .any, "driver_opts": .any, "external": .object(["name": .any]), "internal": .any,
        "attachable": .any, "labels": .any, "enable_ipv4": .any,
        "enable_ipv6": .any,
        "ipam": .object([
            "driver": .any,
            "config": .list(
                .object([
                    "subnet": .any, "ip_range": .any, "gateway": .any, "aux_addresses": .any,
                ])),
            "options": .any,
        ]),
    ])

    static let volume: ComposeShape = .object([
        "name": .any, "driver": .any, "external": .object(["name": .any]), "labels": .any,
        "driver_opts": .any,
    ])
}
