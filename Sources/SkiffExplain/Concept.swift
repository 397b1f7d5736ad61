/// The chapters of a container story, in the order a learner meets them.
public enum Concept: String, CaseIterable, Sendable, Codable {
    case image, isolation, filesystem, limits, privileges, network, volumes, build, process

    public var title: String {
        switch self {
        case .image: "The image: layers stacked into one root filesystem"
        case .isolation: "Isolation: namespaces give the process its own view"
        case .filesystem: "The filesystem: what the process sees as /"
        case .limits: "Limits: cgroups and resource limits"
        case .privileges: "Privileges: what root inside may still do"
        case .network: "The network"
        case .volumes: "Volumes: data that outlives the container"
        case .build: "The build"
        case .process: "The process"
        }
    }
}

/// What the narrator knows about a kind of event: its concept, the call or file that carries it out,
/// and the manual page to read.
public struct KindReference: Sendable, Equatable {
    public var concept: Concept
    public var call: String
    public var manual: String

    public static func of(_ kind: ExplainEvent.Kind) -> KindReference {
        switch kind {
        case .imageResolved:
            .init(
                concept: .image, call: "the image's manifest and config (OCI image-spec)",
                manual: "the OCI image-spec (manifest.md, config.md, layer.md)")
        case .overlayMounted:
            .init(
                concept: .image, call: "mount(\"overlay\", …, \"overlay\", lowerdir=…,upperdir=…,workdir=…)",
                manual: "mount(2), Documentation/filesystems/overlayfs.rst")
        case .namespaceCreated:
            .init(concept: .isolation, call: "clone3(CLONE_NEW…) / unshare(2)", manual: "namespaces(7), clone(2)")
        case .namespaceJoined:
            .init(concept: .isolation, call: "setns(fd, CLONE_NEW…)", manual: "setns(2), namespaces(7)")
        case .idMapWritten:
            .init(concept: .isolation, call: "write /proc/PID/uid_map, gid_map", manual: "user_namespaces(7)")
        case .hostname:
            .init(concept: .isolation, call: "sethostname(2) in the UTS namespace", manual: "uts_namespaces(7)")
        case .rootPropagation:
            .init(
                concept: .filesystem, call: "mount(NULL, \"/\", NULL, MS_SLAVE|MS_REC)", manual: "mount_namespaces(7)")
        case .rootfsBound:
            .init(concept: .filesystem, call: "mount(rootfs, rootfs, NULL, MS_BIND|MS_REC)", manual: "mount(2)")
        case .mount:
            .init(
                concept: .filesystem, call: "mount(2) at a path resolved with openat2(RESOLVE_IN_ROOT)",
                manual: "mount(2), openat2(2)")
        case .deviceNode: .init(concept: .filesystem, call: "mknod(2) or a bind of the host's node", manual: "mknod(2)")
        case .symlink: .init(concept: .filesystem, call: "symlinkat(2)", manual: "symlink(7)")
        case .pivotRoot:
            .init(
                concept: .filesystem, call: "pivot_root(\".\", \".\") then umount2(\".\", MNT_DETACH)",
                manual: "pivot_root(2)")
        case .maskedPath:
            .init(
                concept: .filesystem, call: "bind /dev/null (files) or a read-only tmpfs (directories) over the path",
                manual: "mount(2), open_tree(2)")
        case .readonlyPath:
            .init(
                concept: .filesystem, call: "mount(path, path, MS_BIND) then MS_REMOUNT|MS_RDONLY", manual: "mount(2)")
        case .rootReadonly:
            .init(concept: .filesystem, call: "mount(NULL, \"/\", MS_BIND|MS_REMOUNT|MS_RDONLY)", manual: "mount(2)")
        case .cgroupCreated: .init(concept: .limits, call: "mkdir in the cgroup filesystem", manual: "cgroups(7)")
        case .cgroupWrite:
            .init(
                concept: .limits, call: "write to a cgroup control file",
                manual: "cgroups(7), Documentation/admin-guide/cgroup-v2.rst")
        case .cgroupJoined:
            .init(concept: .limits, call: "clone3(CLONE_INTO_CGROUP), or write 0 to tasks (v1)", manual: "cgroups(7)")
        case .deviceFilterAttached:
            .init(
                concept: .limits, call: "bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE) + BPF_PROG_ATTACH",
                manual: "bpf(2)")
        case .rlimit: .init(concept: .limits, call: "setrlimit(2)", manual: "getrlimit(2)")
        case .noNewPrivileges: .init(concept: .privileges, call: "prctl(PR_SET_NO_NEW_PRIVS, 1)", manual: "prctl(2)")
        case .capabilities:
            .init(concept: .privileges, call: "prctl(PR_CAPBSET_DROP) then capset(2)", manual: "capabilities(7)")
        case .seccomp: .init(concept: .privileges, call: "seccomp(SECCOMP_SET_MODE_FILTER, …)", manual: "seccomp(2)")
        case .user: .init(concept: .privileges, call: "setgroups(2), setgid(2), setuid(2)", manual: "credentials(7)")
        case .networkNamespaceFile:
            .init(
                concept: .network, call: "unshare(CLONE_NEWNET) bound on a file (ip netns)",
                manual: "network_namespaces(7), ip-netns(8)")
        case .loopbackUp: .init(concept: .network, call: "ioctl(SIOCSIFFLAGS, IFF_UP) on lo", manual: "netdevice(7)")
        case .bridge:
            .init(concept: .network, call: "ip link add NAME type bridge; ip addr add", manual: "ip-link(8), bridge(8)")
        case .veth: .init(concept: .network, call: "ip link add eth0 type veth peer name vethX", manual: "veth(4)")
        case .address:
            .init(concept: .network, call: "ip addr add; ip route add default", manual: "ip-address(8), ip-route(8)")
        case .firewall: .init(concept: .network, call: "nft -f - (or iptables-restore)", manual: "nft(8), iptables(8)")
        case .portPublished:
            .init(
                concept: .network, call: "a DNAT rule in the prerouting and output hooks",
                manual: "nft(8), iptables-extensions(8)")
        case .dns: .init(concept: .network, call: "the container's /etc/resolv.conf", manual: "resolv.conf(5)")
        case .networkCreated:
            .init(concept: .network, call: "a network record: bridge name, subnet, gateway", manual: "ip-link(8)")
        case .volumeCreated: .init(concept: .volumes, call: "mkdir volumes/NAME/_data", manual: "mkdir(2)")
        case .volumeMount:
            .init(concept: .volumes, call: "mount(source, target, MS_BIND|MS_REC) (or tmpfs)", manual: "mount(2)")
        case .copyUp:
            .init(
                concept: .volumes, call: "copy the image's files into an empty volume",
                manual: "open(2), copy_file_range(2)")
        case .buildStepStarted:
            .init(
                concept: .build, call: "a Dockerfile instruction", manual: "the Dockerfile reference (docs.docker.com)")
        case .buildStepFinished:
            .init(
                concept: .build, call: "build cache lookup (sha256 of parent image, instruction, copied files)",
                manual: "Docker's build cache documentation (docs.docker.com)")
        case .sysctl: .init(concept: .process, call: "write /proc/sys/…", manual: "sysctl(8), proc(5)")
        case .workingDirectory: .init(concept: .process, call: "chdir(2)", manual: "chdir(2)")
        case .execve: .init(concept: .process, call: "execve(2)", manual: "execve(2)")
        case .exited: .init(concept: .process, call: "waitid(P_PIDFD, …)", manual: "wait(2)")
        }
    }
}
