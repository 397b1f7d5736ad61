import SkiffSystem

// The create flags a container record keeps (`Container.hostConfig`), read and written with the rest of
// container.json without Codable (see Container+JSON.swift).

extension HostConfigRecord: JSONWritable {
    static func read(_ h: JSONObject) throws(JSONFieldMismatch) -> HostConfigRecord {
        var r = HostConfigRecord()
        r.binds = try h.strings("binds")
        r.anonymousVolumes = try h.strings("anonymousVolumes")
        r.mounts = try h.array("mounts")?.map(MountFlagSpec.read)
        r.tmpfs = try h.stringMap("tmpfs")
        r.volumesFrom = try h.strings("volumesFrom")
        r.capAdd = try h.strings("capAdd")
        r.capDrop = try h.strings("capDrop")
        r.dns = try h.strings("dns")
        r.dnsOptions = try h.strings("dnsOptions")
        r.dnsSearch = try h.strings("dnsSearch")
        r.extraHosts = try h.strings("extraHosts")
        r.groupAdd = try h.strings("groupAdd")
        r.securityOpt = try h.strings("securityOpt")
        r.devices = try h.array("devices")?.map { v throws(JSONFieldMismatch) in
            guard let d = v.object else { throw JSONFieldMismatch(key: "devices") }
            return DeviceMapping(
                hostPath: try d.required("hostPath", { $0.string }),
                containerPath: try d.required("containerPath", { $0.string }),
                permissions: try d.required("permissions", { $0.string }))
        }
        r.deviceCgroupRules = try h.strings("deviceCgroupRules")
        r.ulimits = try h.array("ulimits")?.map { v throws(JSONFieldMismatch) in
            guard let l = v.object else { throw JSONFieldMismatch(key: "ulimits") }
            return Limit(
                name: try l.required("name", { $0.string }), soft: try l.required("soft", { $0.int64 }),
                hard: try l.required("hard", { $0.int64 }))
        }
        r.shmSize = try h.optional("shmSize", { $0.int64 })
        r.sysctls = try h.stringMap("sysctls")
        r.networkMode = try h.string("networkMode")
        r.privileged = try h.bool("privileged")
        r.initProcess = try h.bool("initProcess")
        r.cgroupParent = try h.string("cgroupParent")
        r.usernsMode = try h.string("usernsMode")
        r.containerIDFile = try h.string("containerIDFile")
        r.storageOpt = try h.stringMap("storageOpt")
        r.blkioWeightDevices = try h.array("blkioWeightDevices")?.map(deviceValue)
        r.blkioReadBps = try h.array("blkioReadBps")?.map(deviceValue)
        r.blkioWriteBps = try h.array("blkioWriteBps")?.map(deviceValue)
        r.blkioReadIOps = try h.array("blkioReadIOps")?.map(deviceValue)
        r.blkioWriteIOps = try h.array("blkioWriteIOps")?.map(deviceValue)
        return r
    }

    private static func deviceValue(_ v: JSONView) throws(JSONFieldMismatch) -> DeviceValue {
        guard let d = v.object else { throw JSONFieldMismatch(key: "blkio") }
        return DeviceValue(path: try d.required("path", { $0.string }), value: try d.required("value", { $0.uint64 }))
    }

    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("anonymousVolumes", anonymousVolumes)
            o.member("binds", binds)
            o.member("blkioReadBps", blkioReadBps)
            o.member("blkioReadIOps", blkioReadIOps)
            o.member("blkioWeightDevices", blkioWeightDevices)
            o.member("blkioWriteBps", blkioWriteBps)
            o.member("blkioWriteIOps", blkioWriteIOps)
            o.member("capAdd", capAdd)
            o.member("capDrop", capDrop)
            o.member("cgroupParent", cgroupParent)
            o.member("containerIDFile", containerIDFile)
            o.member("deviceCgroupRules", deviceCgroupRules)
            o.member("devices", devices)
            o.member("dns", dns)
            o.member("dnsOptions", dnsOptions)
            o.member("dnsSearch", dnsSearch)
            o.member("extraHosts", extraHosts)
            o.member("groupAdd", groupAdd)
            o.member("initProcess", initProcess)
            o.member("mounts", mounts)
            o.member("networkMode", networkMode)
            o.member("privileged", privileged)
            o.member("securityOpt", securityOpt)
            o.member("shmSize", shmSize)
            o.member("storageOpt", storageOpt)
            o.member("sysctls", sysctls)
            o.member("tmpfs", tmpfs)
            o.member("ulimits", ulimits)
            o.member("usernsMode", usernsMode)
            o.member("volumesFrom", volumesFrom)
        }
    }
}

extension HostConfigRecord.Limit: JSONWritable {
    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("hard", hard)
            o.member("name", name)
            o.member("soft", soft)
        }
    }
}

extension HostConfigRecord.DeviceValue: JSONWritable {
    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("path", path)
            o.member("value", value)
        }
    }
}

extension DeviceMapping: JSONWritable {
    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("containerPath", containerPath)
            o.member("hostPath", hostPath)
            o.member("permissions", permissions)
        }
    }
}

extension MountFlagSpec: JSONWritable {
    static func read(_ v: JSONView) throws(JSONFieldMismatch) -> MountFlagSpec {
        guard let m = v.object else { throw JSONFieldMismatch(key: "mounts") }
        var spec = MountFlagSpec(
            type: try m.required("Type", { $0.string }), source: try m.string("Source"), target: try m.string("Target"))
        spec.ReadOnly = try m.bool("ReadOnly")
        spec.BindOptions = try m.object("BindOptions").map { b throws(JSONFieldMismatch) in
            var options = MountFlagSpec.BindOptions()
            options.Propagation = try b.string("Propagation")
            options.NonRecursive = try b.bool("NonRecursive")
            options.CreateMountpoint = try b.bool("CreateMountpoint")
            options.ReadOnlyNonRecursive = try b.bool("ReadOnlyNonRecursive")
            options.ReadOnlyForceRecursive = try b.bool("ReadOnlyForceRecursive")
            return options
        }
        spec.VolumeOptions = try m.object("VolumeOptions").map { o throws(JSONFieldMismatch) in
            var options = MountFlagSpec.VolumeOptions()
            options.NoCopy = try o.bool("NoCopy")
            options.Labels = try o.stringMap("Labels")
            let driver = try o.required("DriverConfig", { $0.object })
            options.DriverConfig.Name = try driver.string("Name")
            options.DriverConfig.Options = try driver.stringMap("Options")
            return options
        }
        spec.TmpfsOptions = try m.object("TmpfsOptions").map { t throws(JSONFieldMismatch) in
            var options = MountFlagSpec.TmpfsOptions()
            options.SizeBytes = try t.optional("SizeBytes", { $0.int64 })
            options.Mode = try t.optional("Mode", { $0.uint32 })
            return options
        }
        return spec
    }

    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("BindOptions", self.BindOptions)
            o.member("ReadOnly", ReadOnly)
            o.member("Source", Source)
            o.member("Target", Target)
            o.member("TmpfsOptions", self.TmpfsOptions)
            o.member("Type", self.Type)
            o.member("VolumeOptions", self.VolumeOptions)
        }
    }
}

extension MountFlagSpec.BindOptions: JSONWritable {
    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("CreateMountpoint", CreateMountpoint)
            o.member("NonRecursive", NonRecursive)
            o.member("Propagation", Propagation)
            o.member("ReadOnlyForceRecursive", ReadOnlyForceRecursive)
            o.member("ReadOnlyNonRecursive", ReadOnlyNonRecursive)
        }
    }
}

extension MountFlagSpec.TmpfsOptions: JSONWritable {
    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("Mode", Mode)
            o.member("SizeBytes", SizeBytes)
        }
    }
}

extension MountFlagSpec.VolumeOptions: JSONWritable {
    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("DriverConfig", DriverConfig)
            o.member("Labels", Labels)
            o.member("NoCopy", NoCopy)
        }
    }
}

extension MountFlagSpec.Driver: JSONWritable {
    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("Name", Name)
            o.member("Options", Options)
        }
    }
}
