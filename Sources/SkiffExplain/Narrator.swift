/// Turns recorded events into a narration: pure, so unit tests can narrate recorded lists.
/// Every item comes from one event; the wording around the facts explains what the step is for.
public enum Narrator {
    public static func narrate(_ events: [ExplainEvent]) -> Narration {
        var chapters: [Narration.Chapter] = []
        var title: String?
        var pending: [ExplainEvent] = []
        func flush() {
            if pending.isEmpty && title == nil { return }
            chapters.append(.init(title: title, sections: sections(pending, all: events)))
            pending = []
        }
        for event in events {
            if case .buildStepStarted(let n, let total, let instruction) = event.step {
                flush()
                title = "Step \(n)/\(total): \(instruction)"
            }
            pending.append(event)
        }
        flush()
        return Narration(chapters: chapters)
    }

    static func sections(_ events: [ExplainEvent], all: [ExplainEvent]) -> [Narration.Section] {
        var byConcept: [Concept: [Narration.Item]] = [:]
        for event in events {
            let item = self.item(event, context: all)
            byConcept[KindReference.of(event.kind).concept, default: []].append(item)
        }
        return Concept.allCases.compactMap { c in byConcept[c].map { .init(concept: c, items: $0) } }
    }

    /// One event as one item: what was done (from the event's fields) and why.
    public static func item(_ event: ExplainEvent, context: [ExplainEvent] = []) -> Narration.Item {
        let ref = KindReference.of(event.kind)
        let (text, why) = sentence(event.step, context: context)
        return .init(kind: event.kind, text: text, why: why, call: ref.call, manual: ref.manual, source: event.source)
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    static func sentence(_ step: ExplainEvent.Step, context: [ExplainEvent]) -> (String, String?) {
        switch step {
        case .imageResolved(let reference, let id, let layers):
            let list = layers.enumerated().map { i, l in
                "\n      \(i + 1). \(short(l.diffID)) in \(l.directory)"
                    + (l.createdBy.map { " (\(clip($0, 60)))" } ?? "")
            }.joined()
            return (
                "image \(reference) is \(short(id)), \(count(layers.count, "layer")), bottom first:\(list)",
                "An image is a stack of read-only layers (each a directory of changed files) plus a config; "
                    + "Skiff unpacked each layer once and shares it between every container of an image."
            )
        case .overlayMounted(let target, let lowers, let upper, let work):
            return (
                "overlayfs mounted on \(target): \(count(lowers.count, "read-only lower layer")) (top first: "
                    + "\(lowers.map { clip($0, 40) }.joined(separator: " : "))), writable upper \(upper), work dir \(work)",
                "Reads fall through the layers from the top; the first write copies a file up into the upper dir. "
                    + "A deletion is recorded as a whiteout (a 0/0 character device) in the upper dir that hides the lower file."
            )
        case .namespaceCreated(let type, let flag):
            return ("new \(type) namespace (\(flag))", namespaceWhy[type])
        case .namespaceJoined(let type, let path):
            return (
                "joined the \(type) namespace of \(path)", "A process that joins shares that view with the container."
            )
        case .idMapWritten(let file, let value):
            return (
                "wrote \"\(value.split(separator: "\n").joined(separator: "; "))\" to \(file)",
                "Each line maps container ids to host ids: root inside is an ordinary user outside."
            )
        case .hostname(let name):
            return ("hostname set to \(name)", "Only the container's UTS namespace sees this name.")
        case .rootPropagation(let flags):
            return (
                "made / \(flags.joined(separator: "|")) in the new mount namespace",
                "Mounts made in the container never propagate back to the host."
            )
        case .rootfsBound(let path):
            return (
                "bind-mounted the root filesystem \(path) onto itself",
                "pivot_root needs the new root to be a mount point."
            )
        case .mount(let source, let target, let fstype, let flags, let data):
            if flags.contains("MS_REMOUNT") {
                return (
                    "remounted \(target) [\(flags.joined(separator: ","))]",
                    "Flags such as read-only on a bind mount take effect only with a second, remounting call."
                )
            }
            let propagation: Set<String> = ["MS_PRIVATE", "MS_SLAVE", "MS_SHARED", "MS_UNBINDABLE", "MS_REC"]
            if source == nil, fstype == nil, !flags.isEmpty, flags.allSatisfy(propagation.contains) {
                return (
                    "set the propagation of \(target) to \(flags.joined(separator: "|"))",
                    "Whether mounts under it are shared with the host."
                )
            }
            var text: String
            if let fstype {
                text =
                    "mounted \(fstype)" + (source.map { $0 == fstype ? "" : " (source \($0))" } ?? "") + " on \(target)"
            } else {
                text = (flags.contains("MS_BIND") ? "bind-mounted " : "mounted ") + (source ?? "none") + " on \(target)"
            }
            if !flags.isEmpty { text += " [\(flags.joined(separator: ","))]" }
            if let data, !data.isEmpty { text += " (\(clip(data, 80)))" }
            return (text, mountWhy(target: target, fstype: fstype, flags: flags))
        case .deviceNode(let path, let type, let major, let minor):
            return (
                "made device \(path) (\(type) \(major):\(minor))",
                "Only the devices a container needs exist in its /dev; the cgroup device rules decide which it may open."
            )
        case .symlink(let target, let link):
            return ("symlink \(link) → \(target)", nil)
        case .pivotRoot(let newRoot, let chroot):
            return chroot
                ? (
                    "chroot into \(newRoot)",
                    "chroot changes / for path lookups only; pivot_root was turned off (--no-pivot)."
                )
                : (
                    "pivot_root into \(newRoot), then detached the old root",
                    "The container's / is now the overlay; the host's root is gone from its mount table, not just hidden."
                )
        case .maskedPath(let path):
            return ("masked \(path)", maskWhy(path))
        case .readonlyPath(let path):
            return (
                "made \(path) read-only",
                "Kernel tunables under /proc and /sys stay readable but cannot be changed from inside."
            )
        case .rootReadonly:
            return (
                "remounted / read-only (--read-only)",
                "The container cannot write its own filesystem, only its volumes and tmpfs mounts."
            )
        case .cgroupCreated(let path):
            return (
                "created cgroup \(path)",
                "A cgroup is a directory; the container's processes and their limits live in it."
            )
        case .cgroupWrite(let directory, let file, let value):
            return (
                "wrote \(showValue(value)) to \(file) in \(directory)\(unitNote(file: file, value: value))",
                cgroupWhy(file)
            )
        case .cgroupJoined(let pid, let directory):
            return (
                "moved pid \(pid) into \(directory)",
                "Its children inherit the cgroup, so the limits hold for the whole container."
            )
        case .deviceFilterAttached(let directory, let instructions):
            return (
                "attached a device filter of \(instructions) eBPF instructions to \(directory)",
                "cgroup v2 has no devices.allow file; an eBPF program decides each open of a device node."
            )
        case .rlimit(let resource, let soft, let hard):
            return ("\(resource) soft \(limitText(soft)), hard \(limitText(hard))", nil)
        case .noNewPrivileges:
            return (
                "no_new_privs set",
                "execve can no longer grant privileges: setuid binaries and file capabilities stop working."
            )
        case .capabilities(let kept, let dropped):
            let keptText = kept.isEmpty ? "none" : kept.map(capShort).joined(separator: " ")
            return (
                "kept \(kept.count) capabilities: \(keptText); dropped \(dropped.count)"
                    + (dropped.isEmpty ? "" : ": " + clip(dropped.map(capShort).joined(separator: " "), 200)),
                "Root's power is split into capabilities; a dropped one is gone from the bounding set and can never come back. "
                    + (dropped.contains("CAP_SYS_ADMIN")
                        ? "Without CAP_SYS_ADMIN, root inside cannot mount or use most namespaces." : "")
            )
        case .seccomp(let defaultAction, let allowed, let denied, let instructions):
            return (
                "seccomp filter loaded: \(allowed) system calls allowed, default action \(defaultAction), "
                    + "\(instructions) BPF instructions"
                    + (denied.isEmpty ? "" : "; denied include \(denied.joined(separator: ", "))"),
                "The kernel runs this filter on every system call; calls like "
                    + (denied.prefix(3).joined(separator: ", ").nonEmpty ?? "those not listed")
                    + " reach parts of the kernel a container has no business touching."
            )
        case .user(let uid, let gid, let groups):
            return (
                "process runs as uid \(uid), gid \(gid)"
                    + (groups.isEmpty ? "" : ", groups \(groups.map(String.init).joined(separator: ","))"),
                uid == 0
                    ? "Root inside, but with only the capabilities above."
                    : "Not root: files and capabilities of root are out of reach."
            )
        case .networkNamespaceFile(let path):
            return (
                "network namespace made and kept at \(path)",
                "Made before the process, so the veth pair and addresses are ready when it starts; the process joins it."
            )
        case .loopbackUp:
            return (
                "brought lo up in the new network namespace",
                "A new network namespace has only a loopback interface, and it starts down."
            )
        case .bridge(let name, let address, let created):
            return (
                created
                    ? "created bridge \(name) with address \(address)" : "bridge \(name) (\(address)) was already up",
                "The bridge is a virtual switch on the host; its address is the containers' gateway."
            )
        case .veth(let hostSide, let containerSide, let bridge, let mtu, let mac):
            return (
                "veth pair \(containerSide) (in the container, MAC \(mac), MTU \(mtu)) ↔ \(hostSide) (on the host, plugged into \(bridge))",
                "A veth pair is a virtual cable: what goes in one end comes out of the other."
            )
        case .address(let interface, let cidr, let gateway):
            return ("\(interface) got address \(cidr)" + (gateway.map { ", default route via \($0)" } ?? ""), nil)
        case .firewall(let backend, let table, let rules, let applied):
            let shown = rules.filter(isNotableRule).prefix(12).map { "\n      " + clip($0.trimmed, 140) }.joined()
            return (
                (applied
                    ? "installed \(backend) rules in \(table)" : "\(backend) rules in \(table) were already in place")
                    + " (\(count(rules.count, "line"))):" + shown,
                "NAT rewrites addresses: masquerade lets containers reach out with the host's address; DNAT sends a published port to the container."
            )
        case .portPublished(let hostIP, let hostPort, let proto, let containerIP, let containerPort):
            let bridge = context.lazy.compactMap { e -> String? in
                if case .veth(_, _, let b, _, _) = e.step { return b }; return nil
            }.first
            return (
                "published \(hostIP.isEmpty ? "0.0.0.0" : hostIP):\(hostPort)/\(proto) → \(containerIP):\(containerPort)",
                "A packet to port \(hostPort) on the host is rewritten (DNAT) to \(containerIP):\(containerPort)"
                    + (bridge.map { " and routed over \($0) into the veth pair" } ?? "")
                    + "; replies are rewritten back."
            )
        case .dns(let servers, let forwardedTo):
            return (
                "resolv.conf names \(servers.isEmpty ? "no nameserver" : servers.joined(separator: ", "))"
                    + (forwardedTo.map { " (forwarded to the host's resolver \($0))" } ?? ""), nil
            )
        case .networkCreated(let name, let bridge, let subnet, let gateway):
            return (
                "network \(name): bridge \(bridge), subnet \(subnet), gateway \(gateway)",
                "The bridge itself is made when the first container joins, and removed when the last leaves."
            )
        case .volumeCreated(let name, let directory):
            return (
                "volume \(name) is the directory \(directory)",
                "A volume is a host directory Skiff manages; it outlives containers."
            )
        case .volumeMount(let kind, let name, let source, let target, let readOnly):
            let label = name.map { "volume \($0) (\(source))" } ?? source
            return (
                "\(kind) \(label) mounted on \(target)" + (readOnly ? " read-only" : ""),
                kind == "tmpfs"
                    ? "A tmpfs lives in memory and is empty at each start."
                    : "Writes under \(target) go to the host directory, not to the container's upper layer."
            )
        case .copyUp(let imagePath, let into):
            return (
                "copied the image's \(imagePath) into the empty volume \(into)",
                "Docker fills a new volume with what the image has at the mount point."
            )
        case .buildStepStarted(let number, let total, let instruction):
            return ("step \(number) of \(total): \(instruction)", nil)
        case .buildStepFinished(_, let cached, let image, let layerSize, let missReason):
            if cached {
                return (
                    "cached: reused image \(short(image))",
                    "The cache key (parent image, instruction text, digest of copied files) matched an earlier build."
                )
            }
            let layer =
                layerSize.map { $0 == 0 ? "no new layer (only the config changed)" : "a layer of \(bytesText($0))" }
                ?? "no layer"
            return ("ran: made image \(short(image)) with \(layer)", missReason.map { "Cache miss: \($0)." })
        case .sysctl(let path, let value):
            return ("sysctl \(path) = \(value)", "Namespaced kernel settings apply to this container only.")
        case .workingDirectory(let path):
            return ("working directory \(path)", nil)
        case .execve(let argv, let envCount):
            return (
                "execve(\(argv.first ?? "?"), [\(argv.map { "\"\(clip($0, 40))\"" }.joined(separator: ", "))]) with \(count(envCount, "environment variable"))",
                "Skiff's own code is gone from the process: from here on it is the image's program."
            )
        case .exited(let code, let signal, let signalName):
            return (ExitMeaning.describe(code: code, signal: signal, signalName: signalName), nil)
        }
    }

    // MARK: why

    static let namespaceWhy: [String: String] = [
        "mount": "its own mount table: mounts inside are invisible to the host",
        "pid": "its own process ids: its first process is pid 1 and it cannot see host processes",
        "network": "its own interfaces, routes and ports",
        "ipc": "its own System V IPC and POSIX message queues",
        "uts": "its own hostname",
        "cgroup": "its own view of /sys/fs/cgroup: its cgroup looks like the root",
        "user": "its own user ids: root inside maps to an unprivileged user outside",
        "time": "its own boot and monotonic clocks",
    ].mapValues { "The process gets " + $0 + "." }

    static func mountWhy(target: String, fstype: String?, flags: [String]) -> String? {
        switch (target, fstype) {
        case ("/proc", "proc"?): "A proc of the new pid namespace: ps inside shows only the container's processes."
        case ("/dev", "tmpfs"?): "A fresh /dev with only the device nodes made below, not the host's."
        case ("/dev/pts", "devpts"?): "Its own pseudo-terminals (newinstance), not the host's."
        case ("/dev/shm", _): "Shared memory private to the container, limited in size."
        case ("/dev/mqueue", _): "POSIX message queues of its IPC namespace."
        case ("/sys", _): "sysfs, read-only, so hardware settings cannot be changed."
        case ("/sys/fs/cgroup", _): "The cgroup filesystem (its own cgroup as root through the cgroup namespace)."
        case ("/etc/hostname", _), ("/etc/hosts", _), ("/etc/resolv.conf", _):
            "A file Skiff generated, bound over the image's."
        default: flags.contains("MS_BIND") ? "A host path made visible inside." : nil
        }
    }

    static func maskWhy(_ path: String) -> String {
        let reasons: [String: String] = [
            "/proc/kcore": "it is the host's physical memory",
            "/proc/keys": "it lists the kernel's keyrings",
            "/proc/timer_list": "it leaks host timers and addresses",
            "/proc/sched_debug": "it leaks host scheduling details",
            "/proc/acpi": "it controls host power management",
            "/proc/scsi": "it can rescan host disks",
            "/sys/firmware": "it exposes host firmware tables",
            "/proc/latency_stats": "it leaks host kernel addresses",
            "/proc/interrupts": "it leaks host hardware activity",
        ]
        return "Covered so it reads as empty"
            + (reasons[path].map { ": \($0)." } ?? ": Docker hides it from containers.")
    }

    static func cgroupWhy(_ file: String) -> String? {
        if file.hasPrefix("memory.max") || file == "memory.limit_in_bytes" {
            return "Past this the kernel reclaims and then kills a process of the container (the OOM killer): exit 137."
        }
        if file == "memory.swap.max" || file == "memory.memsw.limit_in_bytes" { return "How much may be swapped out." }
        if file == "cpu.max" || file.hasPrefix("cpu.cfs") {
            return "CPU time per period: the container is throttled past its quota."
        }
        if file == "cpu.weight" || file == "cpu.shares" { return "A share of CPU when CPUs are contended." }
        if file == "pids.max" { return "The most processes and threads: a fork bomb stops here." }
        if file.hasPrefix("devices.") { return "Which device nodes the container may open." }
        return nil
    }

    // MARK: formatting

    static func unitNote(file: String, value: String) -> String {
        if file == "cpu.max" {
            let parts = value.split(separator: " ")
            if parts.count == 2, let quota = Double(parts[0]), let period = Double(parts[1]), period > 0 {
                return " (\(Int(quota / 1000)) ms per \(Int(period / 1000)) ms: \(trimNumber(quota / period)) CPUs)"
            }
        }
        if file.hasPrefix("memory."), let bytes = UInt64(value.trimmed) { return " (\(bytesText(bytes)))" }
        return ""
    }

    static func showValue(_ value: String) -> String { "\"" + clip(value.trimmed, 60) + "\"" }

    public static func bytesText(_ bytes: UInt64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(bytes)
        var i = 0
        while v >= 1024 && i < units.count - 1 && (v / 1024).rounded(.down) > 0 { v /= 1024; i += 1 }
        return i == 0 ? "\(bytes) bytes" : "\(trimNumber(v)) \(units[i])"
    }

    static func trimNumber(_ v: Double) -> String {
        let rounded = (v * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func limitText(_ v: UInt64) -> String { v == UInt64.max ? "unlimited" : String(v) }

    static func capShort(_ name: String) -> String { name.hasPrefix("CAP_") ? String(name.dropFirst(4)) : name }

    static func isNotableRule(_ line: String) -> Bool {
        let l = line.lowercased()
        return l.contains("dnat") || l.contains("masquerade") || l.contains("snat")
    }

    static func short(_ digest: String) -> String {
        let hex = digest.hasPrefix("sha256:") ? String(digest.dropFirst(7)) : digest
        return hex.count > 12 ? String(hex.prefix(12)) : hex
    }

    static func clip(_ s: String, _ n: Int) -> String { s.count > n ? String(s.prefix(n - 1)) + "…" : s }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\t" { s.removeLast() }
        return String(s)
    }

    var nonEmpty: String? { isEmpty ? nil : self }
}
