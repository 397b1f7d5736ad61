// OCI runtime-spec 1.x configuration (config.json), Linux parts.
// Field names are the spec's own, so the synthesized Codable matches the JSON that
// runc, crun, Podman and containerd read and write.

/// An OCI runtime-spec `config.json`: everything a runtime needs to create a container from a bundle.
/// Decode one with `JSONDecoder`, or build one in code and encode it next to a rootfs.
public struct Spec: Codable, Sendable, Equatable {
    /// The spec version the document follows (`ociVersion`), e.g. "1.2.0".
    public var ociVersion: String
    /// What to run in the container; required by `create`, absent in a spec that only describes a sandbox.
    public var process: Process?
    /// The container's root filesystem (`root.path`, relative to the bundle or absolute).
    public var root: Root?
    /// The container's hostname (needs a uts namespace).
    public var hostname: String?
    /// The container's NIS domain name (needs a uts namespace).
    public var domainname: String?
    /// Mounts made in the container, in order, after the root filesystem.
    public var mounts: [Mount]?
    /// Programs the runtime runs at points of the container's life (prestart, poststop, ...).
    public var hooks: Hooks?
    /// Free-form key/value metadata; runtimes and tools read their own keys (reverse-domain names).
    public var annotations: [String: String]?
    /// Linux-specific configuration: namespaces, id mappings, cgroup resources, seccomp, masked paths.
    public var linux: Linux?

    /// A spec with the given parts; everything left out is absent from the JSON.
    public init(
        ociVersion: String = Spec.version, process: Process? = nil, root: Root? = nil,
        hostname: String? = nil, domainname: String? = nil, mounts: [Mount]? = nil,
        hooks: Hooks? = nil, annotations: [String: String]? = nil, linux: Linux? = nil
    ) {
        self.ociVersion = ociVersion
        self.process = process
        self.root = root
        self.hostname = hostname
        self.domainname = domainname
        self.mounts = mounts
        self.hooks = hooks
        self.annotations = annotations
        self.linux = linux
    }

    /// The runtime-spec version this package writes by default.
    public static let version = "1.2.0"
}

/// `root`: the directory that becomes the container's `/`.
public struct Root: Codable, Sendable, Equatable {
    /// The root filesystem's path, relative to the bundle directory or absolute.
    public var path: String
    /// Whether the root filesystem is mounted read-only in the container.
    public var readonly: Bool?

    /// A root at `path`, writable unless `readonly`.
    public init(path: String, readonly: Bool? = nil) {
        self.path = path
        self.readonly = readonly
    }
}

/// One entry of `mounts`: a filesystem mounted at `destination` inside the container.
public struct Mount: Codable, Sendable, Equatable {
    /// Where in the container the mount goes (an absolute path, resolved inside the rootfs).
    public var destination: String
    /// The filesystem type (`proc`, `tmpfs`, `bind`, ...); a bind mount may leave it out.
    public var type: String?
    /// What is mounted: a host path for a bind mount, a device, or a name for a pseudo filesystem.
    public var source: String?
    /// mount(8)-style options (`ro`, `nosuid`, `rbind`, `mode=755`, ...), applied in order.
    public var options: [String]?

    /// A mount at `destination` of `source` with `type` and `options`.
    public init(destination: String, type: String? = nil, source: String? = nil, options: [String]? = nil) {
        self.destination = destination
        self.type = type
        self.source = source
        self.options = options
    }
}

/// `hooks`: programs run by the runtime around the container's life, each list in order.
public struct Hooks: Codable, Sendable, Equatable {
    /// Deprecated: run after the container's namespaces exist, before `pivot_root`, in the runtime's namespace.
    public var prestart: [Hook]?
    /// Run during `create`, after the namespaces exist, in the runtime's namespace.
    public var createRuntime: [Hook]?
    /// Run during `create` in the container's mount namespace, before `pivot_root`.
    public var createContainer: [Hook]?
    /// Run during `start` inside the container, just before the user process is executed.
    public var startContainer: [Hook]?
    /// Run after the user process has started; a failure is logged, not fatal.
    public var poststart: [Hook]?
    /// Run after the container is deleted; a failure is logged, not fatal.
    public var poststop: [Hook]?

    /// No hooks; set the lists that are wanted.
    public init() {}
}

/// One hook: a program with its arguments and environment, given the container's state JSON on stdin.
public struct Hook: Codable, Sendable, Equatable {
    /// The program to run (an absolute host path).
    public var path: String
    /// Its argv, including argv[0].
    public var args: [String]?
    /// Its environment, as KEY=VALUE entries (nothing is inherited).
    public var env: [String]?
    /// Seconds after which the runtime kills it and fails the step; nil waits for ever.
    public var timeout: Int?

    /// A hook running `path` with `args`, `env` and `timeout`.
    public init(path: String, args: [String]? = nil, env: [String]? = nil, timeout: Int? = nil) {
        self.path = path
        self.args = args
        self.env = env
        self.timeout = timeout
    }
}
