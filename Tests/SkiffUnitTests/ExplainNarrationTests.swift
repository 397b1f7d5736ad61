import Testing

@testable import SkiffExplain

/// The narrator on recorded event lists: each kind narrated, and runs that differ in one option told
/// differently in that option's concept only.
@Suite("--explain narration")
struct ExplainNarrationTests {
    static func e(_ step: ExplainEvent.Step, _ source: String = "Sources/Test/File.swift") -> ExplainEvent {
        ExplainEvent(step, source: source)
    }

    /// One event of each kind. The switch is exhaustive: a new kind does not compile until it has a sample here.
    static func sample(_ kind: ExplainEvent.Kind) -> ExplainEvent.Step {
        switch kind {
        case .imageResolved:
            .imageResolved(
                reference: "busybox", id: "sha256:" + String(repeating: "a", count: 64),
                layers: [
                    .init(
                        diffID: "sha256:" + String(repeating: "b", count: 64), directory: "/l/1/diff",
                        createdBy: "ADD rootfs")
                ])
        case .overlayMounted:
            .overlayMounted(target: "/c/rootfs", lowerDirs: ["/l/1/diff"], upperDir: "/c/upper", workDir: "/c/work")
        case .namespaceCreated: .namespaceCreated(type: "pid", flag: "CLONE_NEWPID")
        case .namespaceJoined: .namespaceJoined(type: "network", path: "/run/netns/x")
        case .idMapWritten: .idMapWritten(file: "/proc/1/uid_map", value: "0 100000 65536\n")
        case .hostname: .hostname("box")
        case .rootPropagation: .rootPropagation(flags: ["MS_REC", "MS_SLAVE"])
        case .rootfsBound: .rootfsBound(path: "/c/rootfs")
        case .mount: .mount(source: "proc", target: "/proc", fstype: "proc", flags: ["MS_NOSUID"], data: nil)
        case .deviceNode: .deviceNode(path: "/dev/null", type: "character device", major: 1, minor: 3)
        case .symlink: .symlink(target: "/proc/self/fd", link: "/dev/fd")
        case .pivotRoot: .pivotRoot(newRoot: "/c/rootfs", chroot: false)
        case .maskedPath: .maskedPath("/proc/kcore")
        case .readonlyPath: .readonlyPath("/proc/sys")
        case .rootReadonly: .rootReadonly
        case .cgroupCreated: .cgroupCreated(path: "/sys/fs/cgroup/skiff/c1")
        case .cgroupWrite: .cgroupWrite(directory: "/sys/fs/cgroup/skiff/c1", file: "memory.max", value: "67108864")
        case .cgroupJoined: .cgroupJoined(pid: 42, directory: "/sys/fs/cgroup/skiff/c1")
        case .deviceFilterAttached: .deviceFilterAttached(directory: "/sys/fs/cgroup/skiff/c1", instructions: 40)
        case .rlimit: .rlimit(resource: "RLIMIT_NOFILE", soft: 1024, hard: 4096)
        case .noNewPrivileges: .noNewPrivileges
        case .capabilities: .capabilities(kept: ["CAP_CHOWN"], dropped: ["CAP_SYS_ADMIN"])
        case .seccomp:
            .seccomp(
                defaultAction: "SCMP_ACT_ERRNO", allowed: 300, deniedNotable: ["mount", "ptrace"], instructions: 600)
        case .user: .user(uid: 1000, gid: 1000, groups: [10])
        case .networkNamespaceFile: .networkNamespaceFile(path: "/r/netns/c1")
        case .loopbackUp: .loopbackUp
        case .bridge: .bridge(name: "skiff0", address: "10.89.0.1/24", created: true)
        case .veth:
            .veth(hostSide: "vethc1", containerSide: "eth0", bridge: "skiff0", mtu: 1500, mac: "02:42:0a:59:00:02")
        case .address: .address(interface: "eth0", cidr: "10.89.0.2/24", gateway: "10.89.0.1")
        case .firewall:
            .firewall(
                backend: "nftables", table: "table ip skiff", rules: ["tcp dport 8000 dnat to 10.89.0.2:80"],
                applied: true)
        case .portPublished:
            .portPublished(hostIP: "", hostPort: 8000, proto: "tcp", containerIP: "10.89.0.2", containerPort: 80)
        case .dns: .dns(nameservers: ["10.89.0.1"], forwardedTo: "127.0.0.53")
        case .networkCreated:
            .networkCreated(name: "net1", bridge: "skiff1", subnet: "10.90.0.0/24", gateway: "10.90.0.1")
        case .volumeCreated: .volumeCreated(name: "vol", directory: "/r/volumes/vol/_data")
        case .volumeMount:
            .volumeMount(kind: "volume", name: "vol", source: "/r/volumes/vol/_data", target: "/data", readOnly: false)
        case .copyUp: .copyUp(imagePath: "/data", into: "/r/volumes/vol/_data")
        case .buildStepStarted: .buildStepStarted(number: 2, total: 3, instruction: "RUN echo hi")
        case .buildStepFinished:
            .buildStepFinished(
                number: 2, cached: false, image: "sha256:" + String(repeating: "c", count: 64),
                layerSize: 4096, missReason: "the files it copies changed: ./app.py")
        case .sysctl: .sysctl(path: "/proc/sys/net/ipv4/ip_unprivileged_port_start", value: "0")
        case .workingDirectory: .workingDirectory("/")
        case .execve: .execve(argv: ["httpd", "-f", "-p", "80"], environmentCount: 2)
        case .exited: .exited(code: nil, signal: 9, signalName: "SIGKILL")
        }
    }

    @Test("every event kind has a narration: a sentence, the call, the manual page and the source file")
    func everyKindNarrated() {
        for kind in ExplainEvent.Kind.allCases {
            let step = Self.sample(kind)
            #expect(step.kind == kind, "sample of \(kind) has kind \(step.kind)")
            let item = Narrator.item(Self.e(step, "Sources/X/\(kind.rawValue).swift"))
            #expect(!item.text.isEmpty, "\(kind) has no text")
            #expect(!item.call.isEmpty && !item.manual.isEmpty, "\(kind) names no call or manual")
            #expect(item.source == "Sources/X/\(kind.rawValue).swift")
            let text = NarrationText.render(Narrator.narrate([Self.e(step)]))
            #expect(text.contains(item.text), "\(kind) is missing from the rendered text")
        }
    }

    @Test("events survive the JSON hand-over from a detached start")
    func codableRoundTrip() throws {
        let events = ExplainEvent.Kind.allCases.map { Self.e(Self.sample($0)) }
        let data = try JSONEncoderShim.encode(events)
        #expect(try JSONEncoderShim.decode(data) == events)
    }

    // MARK: runs that differ in one option

    /// `skiff run --rm -p 8000:80 busybox httpd -f -p 80` as its steps record it (abridged, in order).
    static var baseRun: [ExplainEvent] {
        [
            e(
                .imageResolved(
                    reference: "busybox", id: "sha256:" + String(repeating: "a", count: 64),
                    layers: [
                        .init(diffID: "sha256:" + String(repeating: "b", count: 64), directory: "/r/layers/1/diff")
                    ])),
            e(.dns(nameservers: ["10.89.0.1"], forwardedTo: nil)),
            e(.cgroupCreated(path: "/sys/fs/cgroup/skiff/c1")),
            e(.cgroupWrite(directory: "/sys/fs/cgroup/skiff/c1", file: "pids.max", value: "max")),
            e(.networkNamespaceFile(path: "/r/netns/c1")),
            e(.bridge(name: "skiff0", address: "10.89.0.1/24", created: true)),
            e(.veth(hostSide: "vethc1", containerSide: "eth0", bridge: "skiff0", mtu: 1500, mac: "02:42:0a:59:00:02")),
            e(.address(interface: "eth0", cidr: "10.89.0.2/24", gateway: "10.89.0.1")),
            e(
                .firewall(
                    backend: "nftables", table: "table ip skiff",
                    rules: [
                        "ip daddr 127.0.0.1 tcp dport 8000 dnat to 10.89.0.2:80",
                        "ip saddr 10.89.0.0/24 masquerade",
                    ], applied: true)),
            e(.portPublished(hostIP: "", hostPort: 8000, proto: "tcp", containerIP: "10.89.0.2", containerPort: 80)),
            e(.namespaceCreated(type: "mount", flag: "CLONE_NEWNS")),
            e(.namespaceCreated(type: "pid", flag: "CLONE_NEWPID")),
            e(.namespaceCreated(type: "uts", flag: "CLONE_NEWUTS")),
            e(.namespaceCreated(type: "ipc", flag: "CLONE_NEWIPC")),
            e(.cgroupJoined(pid: 42, directory: "/sys/fs/cgroup/skiff/c1")),
            e(.namespaceJoined(type: "network", path: "/r/netns/c1")),
            e(.namespaceCreated(type: "cgroup", flag: "unshare(CLONE_NEWCGROUP)")),
            e(.rootPropagation(flags: ["MS_REC", "MS_SLAVE"])),
            e(
                .overlayMounted(
                    target: "/r/c/c1/rootfs", lowerDirs: ["/r/layers/1/diff"], upperDir: "/r/c/c1/upper",
                    workDir: "/r/c/c1/work")),
            e(.rootfsBound(path: "/r/c/c1/rootfs")),
            e(
                .mount(
                    source: "proc", target: "/proc", fstype: "proc", flags: ["MS_NOSUID", "MS_NODEV", "MS_NOEXEC"],
                    data: nil)),
            e(.pivotRoot(newRoot: "/r/c/c1/rootfs", chroot: false)),
            e(.maskedPath("/proc/kcore")),
            e(.readonlyPath("/proc/sys")),
            e(.hostname("c1")),
            e(.noNewPrivileges),
            e(.user(uid: 0, gid: 0, groups: [0, 10])),
            e(
                .capabilities(
                    kept: ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"], dropped: ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"])),
            e(
                .seccomp(
                    defaultAction: "SCMP_ACT_ERRNO", allowed: 350, deniedNotable: ["mount", "ptrace"], instructions: 700
                )),
            e(.workingDirectory("/")),
            e(.execve(argv: ["httpd", "-f", "-p", "80"], environmentCount: 2)),
            e(.exited(code: nil, signal: 15, signalName: "SIGTERM")),
        ]
    }

    static func replacing(_ events: [ExplainEvent], _ body: (ExplainEvent.Step) -> [ExplainEvent.Step]?)
        -> [ExplainEvent]
    {
        events.flatMap { ev in (body(ev.step) ?? [ev.step]).map { e($0, ev.source) } }
    }

    static func inserting(_ events: [ExplainEvent], after kind: ExplainEvent.Kind, _ added: [ExplainEvent.Step])
        -> [ExplainEvent]
    {
        let i = events.lastIndex { $0.kind == kind }.map { $0 + 1 } ?? events.count
        var out = events
        out.insert(contentsOf: added.map { e($0) }, at: i)
        return out
    }

    static var isNetworkStep: (ExplainEvent.Step) -> Bool {
        { [.dns, .networkNamespaceFile, .bridge, .veth, .address, .firewall, .portPublished].contains($0.kind) }
    }

    /// (option, the run with it, the concepts whose story changes)
    static var variants: [(String, [ExplainEvent], Set<Concept>)] {
        let base = baseRun
        return [
            // The namespace is the clone's own instead of the one Skiff prepared: isolation and network change.
            (
                "--network none",
                base.flatMap { ev -> [ExplainEvent] in
                    if isNetworkStep(ev.step) { return [] }
                    if case .namespaceJoined("network", _) = ev.step {
                        return [e(.namespaceCreated(type: "network", flag: "CLONE_NEWNET")), e(.loopbackUp)]
                    }
                    return [ev]
                }, [.isolation, .network]
            ),
            ("--read-only", inserting(base, after: .readonlyPath, [.rootReadonly]), [.filesystem]),
            (
                "--cap-drop ALL",
                replacing(base) { step in
                    if case .capabilities(let kept, let dropped) = step {
                        return [.capabilities(kept: [], dropped: dropped + kept)]
                    }
                    return nil
                }, [.privileges]
            ),
            (
                "-m 64m",
                inserting(
                    base, after: .cgroupWrite,
                    [.cgroupWrite(directory: "/sys/fs/cgroup/skiff/c1", file: "memory.max", value: "67108864")]),
                [.limits]
            ),
            ("-p 8000:80 left out", base.filter { $0.kind != .portPublished }, [.network]),
            (
                "-v vol:/data",
                inserting(
                    base, after: .imageResolved,
                    [
                        .volumeCreated(name: "vol", directory: "/r/volumes/vol/_data"),
                        .volumeMount(
                            kind: "volume", name: "vol", source: "/r/volumes/vol/_data", target: "/data",
                            readOnly: false),
                    ]), [.volumes]
            ),
            (
                "--user 1000:1000",
                replacing(base) { step in
                    if case .user = step { return [.user(uid: 1000, gid: 1000, groups: [])] }
                    return nil
                }, [.privileges]
            ),
        ]
    }

    /// The concepts whose narrated items differ between two runs.
    static func changedConcepts(_ a: [ExplainEvent], _ b: [ExplainEvent]) -> Set<Concept> {
        func byConcept(_ events: [ExplainEvent]) -> [Concept: [String]] {
            var out: [Concept: [String]] = [:]
            for s in Narrator.narrate(events).chapters.flatMap(\.sections) {
                out[s.concept, default: []] += s.items.map { "\($0.text)|\($0.why ?? "")|\($0.call)|\($0.source)" }
            }
            return out
        }
        let x = byConcept(a), y = byConcept(b)
        return Set(Concept.allCases.filter { x[$0] != y[$0] })
    }

    @Test(
        "a run differing in one option is told differently in exactly that step's concept",
        arguments: Self.variants.map(\.0))
    func oneOptionOneStep(option: String) throws {
        let (_, variant, concepts) = try #require(Self.variants.first { $0.0 == option })
        #expect(Self.changedConcepts(Self.baseRun, variant) == concepts, "\(option)")
    }

    @Test("-m 64m is told in the unit the user gave, --cap-drop ALL as no capabilities kept")
    func wording() throws {
        let memory = try #require(Self.variants.first { $0.0 == "-m 64m" }).1
        #expect(
            NarrationText.render(Narrator.narrate(memory)).contains("memory.max in /sys/fs/cgroup/skiff/c1 (64 MiB)"))
        let noCaps = try #require(Self.variants.first { $0.0 == "--cap-drop ALL" }).1
        #expect(NarrationText.render(Narrator.narrate(noCaps)).contains("kept 0 capabilities: none"))
    }

    @Test("concept sections follow the learner's order, whatever order the steps ran in")
    func conceptOrder() {
        let narration = Narrator.narrate(Self.baseRun)
        let order = narration.chapters[0].sections.map(\.concept)
        #expect(order == Concept.allCases.filter { order.contains($0) })
        #expect(order.first == .image && order.last == .process)
    }

    @Test("build steps open chapters; a miss says why, a hit says it was cached")
    func buildChapters() {
        let events = [
            Self.e(.buildStepStarted(number: 1, total: 2, instruction: "FROM busybox")),
            Self.e(.imageResolved(reference: "busybox", id: "sha256:aa", layers: [])),
            Self.e(.buildStepStarted(number: 2, total: 2, instruction: "COPY app.py /app/")),
            Self.e(
                .buildStepFinished(
                    number: 2, cached: false, image: "sha256:bb", layerSize: 2048,
                    missReason: "the files it copies changed: ./app.py")),
        ]
        let n = Narrator.narrate(events)
        #expect(n.chapters.map(\.title) == ["Step 1/2: FROM busybox", "Step 2/2: COPY app.py /app/"])
        let text = NarrationText.render(n)
        #expect(text.contains("a layer of 2 KiB"))
        #expect(text.contains("Cache miss: the files it copies changed: ./app.py."))
    }

    @Test(
        "exit codes: 0, 125, 126, 127, 128+n and a signal are told with their meaning",
        arguments: [
            (Int32?.some(0), Int32?.none, String?.none, "success"),
            (125, nil, nil, "Skiff itself failed"), (126, nil, nil, "could not be invoked"),
            (127, nil, nil, "not found"), (137, nil, "SIGKILL", "128 + 9"),
            (nil, 15, "SIGTERM", "killed by signal 15 (SIGTERM)"),
        ])
    func exitMeaning(code: Int32?, signal: Int32?, name: String?, expected: String) {
        let text = ExitMeaning.describe(code: code, signal: signal, signalName: name)
        #expect(text.contains(expected), "\(text)")
        if let name { #expect(text.contains(name)) }
    }
}
