import SkiffOCI

extension ContainerInspect {
    /// Docker 20.10's HostConfig (moby api/types/container HostConfig and Resources): every key it
    /// writes, null where Docker writes null for an unset field, [] where its CLI sends an empty list
    /// (Dns*, Devices, BlkioWeightDevice), and Tmpfs, Sysctls, StorageOpt and Init left out when unset
    /// (their `omitempty`).
    package struct HostConfigDoc: Codable, Sendable {
        package struct UlimitDoc: Codable, Sendable, Equatable {
            package var Name: String
            package var Hard: Int64
            package var Soft: Int64
        }
        package struct DeviceDoc: Codable, Sendable, Equatable {
            package var PathOnHost: String
            package var PathInContainer: String
            package var CgroupPermissions: String
        }
        package struct WeightDeviceDoc: Codable, Sendable, Equatable {
            package var Path: String
            package var Weight: UInt16
        }
        package struct ThrottleDeviceDoc: Codable, Sendable, Equatable {
            package var Path: String
            package var Rate: UInt64
        }

        package var Binds: [String]? = nil
        package var ContainerIDFile = ""
        package var LogConfig: LogConfigDoc
        /// "bridge", "none", "host", "container:<id>", or a user network's name.
        package var NetworkMode: String
        /// The -p requests: "80/tcp": [{"HostIp": "", "HostPort": "8080"}] (empty: any address, any port).
        package var PortBindings: [String: [PortBindingDoc]]
        package var RestartPolicy: RestartPolicyDoc
        package var AutoRemove: Bool
        package var VolumeDriver = ""
        package var VolumesFrom: [String]? = nil
        package var CapAdd: [String]? = nil
        package var CapDrop: [String]? = nil
        /// "private" or "host" (--cgroupns, with the host's default filled in).
        package var CgroupnsMode: String = "private"
        package var Dns: [String] = []
        package var DnsOptions: [String] = []
        package var DnsSearch: [String] = []
        package var ExtraHosts: [String]? = nil
        package var GroupAdd: [String]? = nil
        /// "private", "shareable", "host", "none" or "container:NAME" (--ipc).
        package var IpcMode: String = "private"
        package var Cgroup = ""
        /// --link, as Docker lists them: "/db:/web/alias".
        package var Links: [String]? = nil
        package var OomScoreAdj = 0
        /// "", "host" or "container:NAME" (--pid).
        package var PidMode: String = ""
        package var Privileged: Bool
        package var PublishAllPorts: Bool
        package var ReadonlyRootfs: Bool
        package var SecurityOpt: [String]? = nil
        package var StorageOpt: [String: String]? = nil
        package var Tmpfs: [String: String]? = nil
        /// "" or "host" (--uts).
        package var UTSMode: String = ""
        package var UsernsMode = ""
        /// /dev/shm's size in bytes (Docker's default 64 MiB).
        package var ShmSize: Int64 = HostConfigDoc.defaultShmSize
        package var Sysctls: [String: String]? = nil
        /// The one runtime (see DaemonSettings).
        package var Runtime: String = DaemonSettings.runtimeName
        package var ConsoleSize: [UInt] = [0, 0]
        package var Isolation = ""
        // Resources (see ResourceSettings; `update` changes them).
        package var CpuShares: Int64 = 0
        package var Memory: Int64 = 0
        package var NanoCpus: Int64 = 0
        package var CgroupParent = ""
        package var BlkioWeight: UInt16 = 0
        package var BlkioWeightDevice: [WeightDeviceDoc] = []
        package var BlkioDeviceReadBps: [ThrottleDeviceDoc]? = nil
        package var BlkioDeviceWriteBps: [ThrottleDeviceDoc]? = nil
        package var BlkioDeviceReadIOps: [ThrottleDeviceDoc]? = nil
        package var BlkioDeviceWriteIOps: [ThrottleDeviceDoc]? = nil
        package var CpuPeriod: Int64 = 0
        package var CpuQuota: Int64 = 0
        package var CpuRealtimePeriod: Int64 = 0
        package var CpuRealtimeRuntime: Int64 = 0
        package var CpusetCpus: String = ""
        package var CpusetMems: String = ""
        package var Devices: [DeviceDoc] = []
        package var DeviceCgroupRules: [String]? = nil
        /// GPU requests: Skiff has none (`--gpus` is refused).
        package var DeviceRequests: [String]? = nil
        package var KernelMemory: Int64 = 0
        package var KernelMemoryTCP: Int64 = 0
        package var MemoryReservation: Int64 = 0
        package var MemorySwap: Int64 = 0
        package var MemorySwappiness: Int64? = nil
        package var OomKillDisable = false
        package var PidsLimit: Int64? = nil
        package var Ulimits: [UlimitDoc]? = nil
        package var CpuCount: Int64 = 0
        package var CpuPercent: Int64 = 0
        package var IOMaximumIOps: UInt64 = 0
        package var IOMaximumBandwidth: UInt64 = 0
        /// `--mount` values as given (left out without one: Docker's `omitempty`).
        package var Mounts: [MountFlagSpec]? = nil
        /// The spec's masked and read-only paths; null for a privileged container, [] with
        /// `systempaths=unconfined` (as Docker's CLI sends it).
        package var MaskedPaths: [String]? = nil
        package var ReadonlyPaths: [String]? = nil
        /// `--init`: true, else left out (Docker's `omitempty` pointer).
        package var Init: Bool? = nil

        /// Docker's --shm-size default.
        package static let defaultShmSize: Int64 = 64 << 20

        package init(
            NetworkMode: String, PortBindings: [String: [PortBindingDoc]], PublishAllPorts: Bool,
            RestartPolicy: RestartPolicyDoc, AutoRemove: Bool, Privileged: Bool, ReadonlyRootfs: Bool,
            LogConfig: LogConfigDoc
        ) {
            self.NetworkMode = NetworkMode
            self.PortBindings = PortBindings
            self.PublishAllPorts = PublishAllPorts
            self.RestartPolicy = RestartPolicy
            self.AutoRemove = AutoRemove
            self.Privileged = Privileged
            self.ReadonlyRootfs = ReadonlyRootfs
            self.LogConfig = LogConfig
        }

        /// The fields the record's create flags (`record`, nil in records made before it) and the spec
        /// fill: what was asked for, as given, and what the spec holds (oom_score_adj, masked paths,
        /// swappiness). Set IpcMode and PidMode first: they decide the SELinux label option Docker adds.
        package mutating func setCreateFlags(_ record: HostConfigRecord?, spec: Spec?) {
            let r = record ?? HostConfigRecord()
            Binds = r.binds
            ContainerIDFile = r.containerIDFile ?? ""
            VolumesFrom = r.volumesFrom
            CapAdd = r.capAdd
            CapDrop = r.capDrop
            Dns = r.dns ?? []
            DnsOptions = r.dnsOptions ?? []
            DnsSearch = r.dnsSearch ?? []
            ExtraHosts = r.extraHosts
            GroupAdd = r.groupAdd
            StorageOpt = r.storageOpt
            Tmpfs = r.tmpfs
            Mounts = r.mounts
            UsernsMode = r.usernsMode ?? ""
            if let s = r.shmSize {
                ShmSize = s
            } else if let size = spec?.mounts?.first(where: { $0.destination == "/dev/shm" })?.options?
                .last(where: { $0.hasPrefix("size=") }).flatMap({ Int64($0.dropFirst("size=".count)) })
            {
                ShmSize = size
            }
            Sysctls = r.sysctls
            CgroupParent = r.cgroupParent ?? ""
            func throttle(_ list: [HostConfigRecord.DeviceValue]?) -> [ThrottleDeviceDoc]? {
                list.map { $0.map { ThrottleDeviceDoc(Path: $0.path, Rate: $0.value) } }
            }
            BlkioWeightDevice = (r.blkioWeightDevices ?? []).map {
                WeightDeviceDoc(Path: $0.path, Weight: UInt16(clamping: $0.value))
            }
            BlkioDeviceReadBps = throttle(r.blkioReadBps)
            BlkioDeviceWriteBps = throttle(r.blkioWriteBps)
            BlkioDeviceReadIOps = throttle(r.blkioReadIOps)
            BlkioDeviceWriteIOps = throttle(r.blkioWriteIOps)
            Devices = (r.devices ?? []).map {
                DeviceDoc(PathOnHost: $0.hostPath, PathInContainer: $0.containerPath, CgroupPermissions: $0.permissions)
            }
            DeviceCgroupRules = r.deviceCgroupRules
            Ulimits = r.ulimits.map { $0.map { UlimitDoc(Name: $0.name, Hard: $0.hard, Soft: $0.soft) } }
            Init = r.initProcess == true ? true : nil
            if let privileged = r.privileged { Privileged = privileged }
            OomScoreAdj = spec?.process?.oomScoreAdj ?? 0
            let memory = spec?.linux?.resources?.memory
            MemorySwappiness = memory?.swappiness.map { Int64(clamping: $0) }
            OomKillDisable = memory?.disableOOMKiller ?? false
            if Privileged {
                MaskedPaths = nil
                ReadonlyPaths = nil
            } else {
                MaskedPaths = spec?.linux?.maskedPaths ?? []
                ReadonlyPaths = spec?.linux?.readonlyPaths ?? []
            }
            // Docker's daemon turns SELinux labels off for a container that shares the host's IPC or PID
            // namespace or is privileged, unless a label option was given.
            var security = r.securityOpt ?? []
            if Privileged || IpcMode == "host" || PidMode == "host",
                !security.contains(where: { SecurityOptions.split($0).0 == "label" })
            {
                security.append("label=disable")
            }
            SecurityOpt = security.isEmpty ? nil : security
        }

        package func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(Binds, forKey: .Binds)
            try c.encode(ContainerIDFile, forKey: .ContainerIDFile)
            try c.encode(LogConfig, forKey: .LogConfig)
            try c.encode(NetworkMode, forKey: .NetworkMode)
            try c.encode(PortBindings, forKey: .PortBindings)
            try c.encode(RestartPolicy, forKey: .RestartPolicy)
            try c.encode(AutoRemove, forKey: .AutoRemove)
            try c.encode(VolumeDriver, forKey: .VolumeDriver)
            try c.encode(VolumesFrom, forKey: .VolumesFrom)
            try c.encode(CapAdd, forKey: .CapAdd)
            try c.encode(CapDrop, forKey: .CapDrop)
            try c.encode(CgroupnsMode, forKey: .CgroupnsMode)
            try c.encode(Dns, forKey: .Dns)
            try c.encode(DnsOptions, forKey: .DnsOptions)
            try c.encode(DnsSearch, forKey: .DnsSearch)
            try c.encode(ExtraHosts, forKey: .ExtraHosts)
            try c.encode(GroupAdd, forKey: .GroupAdd)
            try c.encode(IpcMode, forKey: .IpcMode)
            try c.encode(Cgroup, forKey: .Cgroup)
            try c.encode(Links, forKey: .Links)
            try c.encode(OomScoreAdj, forKey: .OomScoreAdj)
            try c.encode(PidMode, forKey: .PidMode)
            try c.encode(Privileged, forKey: .Privileged)
            try c.encode(PublishAllPorts, forKey: .PublishAllPorts)
            try c.encode(ReadonlyRootfs, forKey: .ReadonlyRootfs)
            try c.encode(SecurityOpt, forKey: .SecurityOpt)
            let omit = !encoder.writesEveryField
            try c.encode(StorageOpt, forKey: .StorageOpt, omittingNil: omit)
            try c.encode(Tmpfs, forKey: .Tmpfs, omittingNil: omit)
            try c.encode(UTSMode, forKey: .UTSMode)
            try c.encode(UsernsMode, forKey: .UsernsMode)
            try c.encode(ShmSize, forKey: .ShmSize)
            try c.encode(Sysctls, forKey: .Sysctls, omittingNil: omit)
            try c.encode(Runtime, forKey: .Runtime)
            try c.encode(ConsoleSize, forKey: .ConsoleSize)
            try c.encode(Isolation, forKey: .Isolation)
            try c.encode(CpuShares, forKey: .CpuShares)
            try c.encode(Memory, forKey: .Memory)
            try c.encode(NanoCpus, forKey: .NanoCpus)
            try c.encode(CgroupParent, forKey: .CgroupParent)
            try c.encode(BlkioWeight, forKey: .BlkioWeight)
            try c.encode(BlkioWeightDevice, forKey: .BlkioWeightDevice)
            try c.encode(BlkioDeviceReadBps, forKey: .BlkioDeviceReadBps)
            try c.encode(BlkioDeviceWriteBps, forKey: .BlkioDeviceWriteBps)
            try c.encode(BlkioDeviceReadIOps, forKey: .BlkioDeviceReadIOps)
            try c.encode(BlkioDeviceWriteIOps, forKey: .BlkioDeviceWriteIOps)
            try c.encode(CpuPeriod, forKey: .CpuPeriod)
            try c.encode(CpuQuota, forKey: .CpuQuota)
            try c.encode(CpuRealtimePeriod, forKey: .CpuRealtimePeriod)
            try c.encode(CpuRealtimeRuntime, forKey: .CpuRealtimeRuntime)
            try c.encode(CpusetCpus, forKey: .CpusetCpus)
            try c.encode(CpusetMems, forKey: .CpusetMems)
            try c.encode(Devices, forKey: .Devices)
            try c.encode(DeviceCgroupRules, forKey: .DeviceCgroupRules)
            try c.encode(DeviceRequests, forKey: .DeviceRequests)
            try c.encode(KernelMemory, forKey: .KernelMemory)
            try c.encode(KernelMemoryTCP, forKey: .KernelMemoryTCP)
            try c.encode(MemoryReservation, forKey: .MemoryReservation)
            try c.encode(MemorySwap, forKey: .MemorySwap)
            try c.encode(MemorySwappiness, forKey: .MemorySwappiness)
            try c.encode(OomKillDisable, forKey: .OomKillDisable)
            try c.encode(PidsLimit, forKey: .PidsLimit)
            try c.encode(Ulimits, forKey: .Ulimits)
            try c.encode(CpuCount, forKey: .CpuCount)
            try c.encode(CpuPercent, forKey: .CpuPercent)
            try c.encode(IOMaximumIOps, forKey: .IOMaximumIOps)
            try c.encode(IOMaximumBandwidth, forKey: .IOMaximumBandwidth)
            try c.encode(Mounts, forKey: .Mounts, omittingNil: omit)
            try c.encode(MaskedPaths, forKey: .MaskedPaths)
            try c.encode(ReadonlyPaths, forKey: .ReadonlyPaths)
            try c.encode(Init, forKey: .Init, omittingNil: omit)
        }
    }
}

extension CodingUserInfoKey {
    /// Set (to true) by a `--format` template's encoding (FormatTemplate.tree): the keys Docker's JSON
    /// leaves out when unset (its `omitempty`) are written as null, so a template reaches them as it
    /// reaches the fields of Docker's typed value (`{{json .HostConfig.Tmpfs}}` is null, not an error).
    package static let writesEveryField = CodingUserInfoKey(rawValue: "skiff.writesEveryField")!
}

extension Encoder {
    var writesEveryField: Bool { userInfo[.writesEveryField] as? Bool == true }
}

extension KeyedEncodingContainer {
    /// `value`, or nothing when it is nil and `omittingNil` (Docker's `omitempty`), else null.
    mutating func encode<T: Encodable>(_ value: T?, forKey key: Key, omittingNil: Bool) throws {
        if omittingNil { try encodeIfPresent(value, forKey: key) } else { try encode(value, forKey: key) }
    }
}
