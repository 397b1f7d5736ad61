/// The create flags Docker's HostConfig shows as they were given, kept in the container's record
/// (`Container.hostConfig`) because the spec holds them only as their effect (a capability set, mounts,
/// rlimits, device nodes) or not at all (`--add-host host-gateway`, a bind's `:ro` text). `inspect` reads
/// them; nothing else does. Every field is optional so records made before it decode.
public struct HostConfigRecord: Codable, Sendable, Equatable {
    /// One `--ulimit` as Docker's HostConfig.Ulimits shows it (-1: unlimited).
    public struct Limit: Codable, Sendable, Equatable {
        /// Docker's lower-case name (`nofile`).
        public var name: String
        /// The soft limit.
        public var soft: Int64
        /// The hard limit.
        public var hard: Int64
    }
    /// One `--blkio-weight-device` or `--device-read-bps…` entry: the path as given and its value.
    public struct DeviceValue: Codable, Sendable, Equatable {
        /// The device's path as given.
        public var path: String
        /// The weight, bytes or operations per second.
        public var value: UInt64
    }

    /// `-v` texts naming a host path or a volume (Docker's Binds; an anonymous `-v /path` is not one).
    public var binds: [String]?
    /// `-v /path` alone: the anonymous volumes Docker lists in Config.Volumes beside the image's.
    public var anonymousVolumes: [String]?
    /// `--mount` values as Docker's CLI sends them (HostConfig.Mounts).
    public var mounts: [MountFlagSpec]?
    /// `--tmpfs /path[:options]`: the path and the options text ("" without).
    public var tmpfs: [String: String]?
    /// `--volumes-from CONTAINER[:ro|rw]` as given.
    public var volumesFrom: [String]?
    /// `--cap-add` as given.
    public var capAdd: [String]?
    /// `--cap-drop` as given.
    public var capDrop: [String]?
    /// `--dns` as given.
    public var dns: [String]?
    /// `--dns-option` as given.
    public var dnsOptions: [String]?
    /// `--dns-search` as given.
    public var dnsSearch: [String]?
    /// `--add-host NAME:IP` as given (`host-gateway` unresolved).
    public var extraHosts: [String]?
    /// `--group-add` as given (names or numbers).
    public var groupAdd: [String]?
    /// `--security-opt` texts as given.
    public var securityOpt: [String]?
    /// `--device` mappings.
    public var devices: [DeviceMapping]?
    /// `--device-cgroup-rule` as given.
    public var deviceCgroupRules: [String]?
    /// `--ulimit` (and compose `ulimits`), in order.
    public var ulimits: [Limit]?
    /// `--shm-size` in bytes; nil: Docker's default.
    public var shmSize: Int64?
    /// `--sysctl` as given (not the defaults Skiff adds to the spec).
    public var sysctls: [String: String]?
    /// `--network` as given (`default` without one); nil: a record from before it was kept, or compose
    /// (inspect then shows the network's name).
    public var networkMode: String?
    /// `--privileged`: true; nil: not.
    public var privileged: Bool?
    /// `--init`: true; nil: not.
    public var initProcess: Bool?
    /// `--cgroup-parent` as given.
    public var cgroupParent: String?
    /// `--userns` ("" or "host").
    public var usernsMode: String?
    /// `--cidfile` as given.
    public var containerIDFile: String?
    /// `--storage-opt` as given.
    public var storageOpt: [String: String]?
    /// `--blkio-weight-device` entries.
    public var blkioWeightDevices: [DeviceValue]?
    /// `--device-read-bps` entries.
    public var blkioReadBps: [DeviceValue]?
    /// `--device-write-bps` entries.
    public var blkioWriteBps: [DeviceValue]?
    /// `--device-read-iops` entries.
    public var blkioReadIOps: [DeviceValue]?
    /// `--device-write-iops` entries.
    public var blkioWriteIOps: [DeviceValue]?

    /// Nothing given.
    public init() {}

    /// What `options` asked for, as Docker's CLI hands it to the daemon (empty lists left nil).
    public init(options o: RunOptions) {
        func some<T>(_ list: [T]) -> [T]? { list.isEmpty ? nil : list }
        binds = some(o.mounts.compactMap { $0.kind != .tmpfs && $0.source != nil ? $0.given : nil })
        anonymousVolumes = some(
            o.mounts.compactMap { $0.kind == .volume && $0.source == nil && $0.given != nil ? $0.target : nil })
        mounts = some(o.mounts.compactMap(\.flagSpec))
        var tmpfs: [String: String] = [:]
        for m in o.mounts where m.kind == .tmpfs {
            guard let text = m.given else { continue }
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            tmpfs[m.target] = parts.count == 2 ? parts[1] : ""
        }
        self.tmpfs = tmpfs.isEmpty ? nil : tmpfs
        volumesFrom = some(o.volumesFrom)
        capAdd = some(o.capAdd)
        capDrop = some(o.capDrop)
        dns = some(o.names.dns)
        dnsOptions = some(o.names.dnsOptions)
        dnsSearch = some(o.names.dnsSearch)
        extraHosts = some(o.names.extraHosts)
        groupAdd = some(o.groupAdd)
        securityOpt = some(o.securityOpt)
        devices = some(o.devices)
        deviceCgroupRules = some(o.deviceCgroupRules)
        func signed(_ v: UInt64) -> Int64 { v > UInt64(Int64.max) ? -1 : Int64(v) }
        ulimits = some(o.resources.ulimits.map { Limit(name: $0.name, soft: signed($0.soft), hard: signed($0.hard)) })
        shmSize = o.resources.shmSize
        sysctls = o.sysctls.isEmpty ? nil : o.sysctls
        networkMode = o.networkModeGiven
        privileged = o.privileged ? true : nil
        initProcess = o.initProcess ? true : nil
        cgroupParent = o.resources.cgroupParent
        usernsMode = o.userns
        containerIDFile = o.containerIDFile
        storageOpt = o.storageOptions.isEmpty ? nil : o.storageOptions
        func values(_ list: [BlockIOOptions.DeviceValue]) -> [DeviceValue]? {
            some(list.map { DeviceValue(path: $0.path, value: $0.value) })
        }
        let b = o.resources.blockIO
        blkioWeightDevices = values(b.weightDevices)
        blkioReadBps = values(b.readBps)
        blkioWriteBps = values(b.writeBps)
        blkioReadIOps = values(b.readIOPS)
        blkioWriteIOps = values(b.writeIOPS)
    }

    /// Docker's CLI sends `--security-opt seccomp=FILE` as `seccomp=` and the file's JSON without its
    /// layout (Go's json.Compact), so inspect shows the profile, not the path: `profile` is the file read.
    public mutating func showSeccompProfile(_ profile: [UInt8]) {
        guard let opts = securityOpt else { return }
        let json = String(decoding: Self.compactJSON(profile), as: UTF8.self)
        securityOpt = opts.map { text in
            let (key, value) = SecurityOptions.split(text)
            guard key == "seccomp", let value, value != "unconfined", value != "builtin" else { return text }
            return "seccomp=" + json
        }
    }

    /// JSON text without the spaces, tabs and line breaks between its tokens (strings kept as they are).
    static func compactJSON(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var inString = false
        var escaped = false
        for b in bytes {
            if inString {
                out.append(b)
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            case UInt8(ascii: "\""): inString = true
            default: break
            }
            out.append(b)
        }
        return out
    }
}
