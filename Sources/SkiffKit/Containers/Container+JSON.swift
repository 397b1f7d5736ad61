import SkiffSystem

// container.json without Codable. Every `run -d` writes it in the CLI and reads it again in the launching
// fork; with Codable each was the record type's first encode or decode in that process, its 51 fields
// and nested types looked up by the run-time: 0.8 ms of a start's CPU (`perf record` of 30 × `run -d`).
// The reader gives exactly what `JSONDecoder` gives, or nil and Codable decides (`JSONViewReadable`);
// the writer gives `KitJSON.encode`'s bytes (ContainerJSONTests compares both with Codable).

extension Container: JSONViewReadable {
    package static func read(_ c: JSONObject) throws(JSONFieldMismatch) -> Container {
        var r = Container(
            id: try c.required("id", { $0.string }), name: try c.required("name", { $0.string }),
            image: try c.required("image", { $0.string }), imageID: try c.required("imageID", { $0.string }),
            manifestDigest: try c.required("manifestDigest", { $0.string }),
            layerChainIDs: try c.required("layerChainIDs", { $0.stringElements }),
            command: try c.required("command", { $0.stringElements }),
            created: try c.required("created", { $0.string }),
            status: try c.required("status", { $0.string.flatMap(Status.init(rawValue:)) }),
            autoRemove: try c.required("autoRemove", { $0.bool }),
            labels: try c.required("labels", { $0.stringMembers }))
        r.exitCode = try c.optional("exitCode", { $0.int32 })
        r.startedAt = try c.string("startedAt")
        r.finishedAt = try c.string("finishedAt")
        r.pid = try c.optional("pid", { $0.int32 })
        r.pidStartTime = try c.optional("pidStartTime", { $0.uint64 })
        r.monitorPid = try c.optional("monitorPid", { $0.int32 })
        r.monitorStartTime = try c.optional("monitorStartTime", { $0.uint64 })
        r.runnerPid = try c.optional("runnerPid", { $0.int32 })
        r.runnerStartTime = try c.optional("runnerStartTime", { $0.uint64 })
        r.restartPolicy = try c.object("restartPolicy").map { p throws(JSONFieldMismatch) in
            RestartPolicy(
                name: try p.required("name", { $0.string.flatMap(RestartPolicy.Name.init(rawValue:)) }),
                maximumRetryCount: try p.required("maximumRetryCount", { $0.int }))
        }
        r.restartCount = try c.optional("restartCount", { $0.int })
        r.stoppedByUser = try c.bool("stoppedByUser")
        r.healthcheck = try c.object("healthcheck").map(HealthCheck.read)
        r.health = try c.object("health").map(HealthState.read)
        r.tty = try c.bool("tty")
        r.openStdin = try c.bool("openStdin")
        r.stopSignal = try c.string("stopSignal")
        r.stopTimeout = try c.optional("stopTimeout", { $0.int })
        r.logMaxSize = try c.optional("logMaxSize", { $0.int64 })
        r.logMaxFiles = try c.optional("logMaxFiles", { $0.int })
        r.logDriver = try c.optional("logDriver", { $0.string.flatMap(LogDriver.init(rawValue:)) })
        r.logAttributes = try c.string("logAttributes")
        r.logForward = try c.string("logForward")
        r.logCompress = try c.bool("logCompress")
        r.logOptions = try c.stringMap("logOptions")
        r.hostname = try c.string("hostname")
        r.error = try c.string("error")
        r.oomKilled = try c.bool("oomKilled")
        r.oomKillsReported = try c.optional("oomKillsReported", { $0.uint64 })
        r.namespaceModes = try c.object("namespaceModes").map(NamespaceModes.read)
        r.mounts = try c.array("mounts")?.map(MountPoint.read)
        r.nanoCpus = try c.optional("nanoCpus", { $0.int64 })
        r.user = try c.string("user")
        r.defaultHome = try c.string("defaultHome")
        r.exposedPorts = try c.strings("exposedPorts")
        r.entrypoint = try c.strings("entrypoint")
        r.configEnv = try c.strings("configEnv")
        r.workingDir = try c.string("workingDir")
        r.hostConfig = try c.object("hostConfig").map(HostConfigRecord.read)
        r.resolvConf = try c.object("resolvConf").map { f throws(JSONFieldMismatch) in
            ResolvConfRecord(
                form: try f.required("form", { $0.string.flatMap(ResolvConfRecord.Form.init(rawValue:)) }),
                hostFile: try f.string("hostFile"), digest: try f.required("digest", { $0.string }))
        }
        return r
    }
}

extension Container: JSONWritable {
    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("autoRemove", autoRemove)
            o.member("command", command)
            o.member("configEnv", configEnv)
            o.member("created", created)
            o.member("defaultHome", defaultHome)
            o.member("entrypoint", entrypoint)
            o.member("error", error)
            o.member("exitCode", exitCode)
            o.member("exposedPorts", exposedPorts)
            o.member("finishedAt", finishedAt)
            o.member("health", health)
            o.member("healthcheck", healthcheck)
            o.member("hostConfig", hostConfig)
            o.member("hostname", hostname)
            o.member("id", id)
            o.member("image", image)
            o.member("imageID", imageID)
            o.member("labels", labels)
            o.member("layerChainIDs", layerChainIDs)
            o.member("logAttributes", logAttributes)
            o.member("logCompress", logCompress)
            o.member("logDriver", logDriver?.rawValue)
            o.member("logForward", logForward)
            o.member("logMaxFiles", logMaxFiles)
            o.member("logMaxSize", logMaxSize)
            o.member("logOptions", logOptions)
            o.member("manifestDigest", manifestDigest)
            o.member("monitorPid", monitorPid)
            o.member("monitorStartTime", monitorStartTime)
            o.member("mounts", mounts)
            o.member("name", name)
            o.member("namespaceModes", namespaceModes)
            o.member("nanoCpus", nanoCpus)
            o.member("oomKilled", oomKilled)
            o.member("oomKillsReported", oomKillsReported)
            o.member("openStdin", openStdin)
            o.member("pid", pid)
            o.member("pidStartTime", pidStartTime)
            o.member("resolvConf", resolvConf)
            o.member("restartCount", restartCount)
            o.member("restartPolicy", restartPolicy)
            o.member("runnerPid", runnerPid)
            o.member("runnerStartTime", runnerStartTime)
            o.member("startedAt", startedAt)
            o.member("status", status.rawValue)
            o.member("stopSignal", stopSignal)
            o.member("stopTimeout", stopTimeout)
            o.member("stoppedByUser", stoppedByUser)
            o.member("tty", tty)
            o.member("user", user)
            o.member("workingDir", workingDir)
        }
    }
}

extension RestartPolicy: JSONWritable {
    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("maximumRetryCount", maximumRetryCount)
            o.member("name", name.rawValue)
        }
    }
}

extension HealthCheck: JSONWritable {
    static func read(_ h: JSONObject) throws(JSONFieldMismatch) -> HealthCheck {
        HealthCheck(
            test: try h.required("test", { $0.stringElements }), interval: try h.required("interval", { $0.int64 }),
            timeout: try h.required("timeout", { $0.int64 }), startPeriod: try h.required("startPeriod", { $0.int64 }),
            retries: try h.required("retries", { $0.int }), startInterval: try h.optional("startInterval", { $0.int64 })
        )
    }

    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("interval", interval)
            o.member("retries", retries)
            o.member("startInterval", startInterval)
            o.member("startPeriod", startPeriod)
            o.member("test", test)
            o.member("timeout", timeout)
        }
    }
}

extension HealthState: JSONWritable {
    static func read(_ h: JSONObject) throws(JSONFieldMismatch) -> HealthState {
        HealthState(
            status: try h.required("status", { $0.string.flatMap(Status.init(rawValue:)) }),
            failingStreak: try h.required("failingStreak", { $0.int }),
            log: try h.required("log", { $0.elements }).map { v throws(JSONFieldMismatch) in
                guard let p = v.object else { throw JSONFieldMismatch(key: "log") }
                return Probe(
                    Start: try p.required("Start", { $0.string }), End: try p.required("End", { $0.string }),
                    ExitCode: try p.required("ExitCode", { $0.int32 }), Output: try p.required("Output", { $0.string }))
            })
    }

    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("failingStreak", failingStreak)
            o.member("log", log)
            o.member("status", status.rawValue)
        }
    }
}

extension HealthState.Probe: JSONWritable {
    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("End", End)
            o.member("ExitCode", ExitCode)
            o.member("Output", Output)
            o.member("Start", Start)
        }
    }
}

extension NamespaceModes: JSONWritable {
    /// Its custom decoder: each mode's Docker spelling, absent as "", a spelling it refuses an error.
    static func read(_ n: JSONObject) throws(JSONFieldMismatch) -> NamespaceModes {
        var modes = NamespaceModes()
        let pid = try n.string("pid") ?? "", ipc = try n.string("ipc") ?? "", uts = try n.string("uts") ?? ""
        do throws(KitError) {
            modes.pid = try PIDMode(parsing: pid)
            modes.ipc = try IPCMode(parsing: ipc)
            modes.uts = try UTSMode(parsing: uts)
        } catch {
            throw JSONFieldMismatch(key: "namespaceModes")
        }
        modes.cgroupns = try n.optional("cgroupns", { $0.string.flatMap(CgroupnsMode.init(rawValue:)) })
        return modes
    }

    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("cgroupns", cgroupns?.rawValue)
            o.member("ipc", ipc.text)
            o.member("pid", pid.text)
            o.member("uts", uts.text)
        }
    }
}

extension MountPoint: JSONWritable {
    static func read(_ v: JSONView) throws(JSONFieldMismatch) -> MountPoint {
        guard let m = v.object else { throw JSONFieldMismatch(key: "mounts") }
        var mount = MountPoint(
            type: try m.required("type", { $0.string.flatMap(MountRequest.Kind.init(rawValue:)) }),
            name: try m.string("name"), source: try m.required("source", { $0.string }),
            destination: try m.required("destination", { $0.string }), readOnly: try m.required("readOnly", { $0.bool })
        )
        mount.anonymous = try m.bool("anonymous")
        mount.propagation = try m.string("propagation")
        mount.options = try m.strings("options")
        mount.createSource = try m.bool("createSource")
        mount.recursion = try m.optional("recursion", { $0.string.flatMap(MountRequest.BindRecursion.init(rawValue:)) })
        mount.filesystemType = try m.string("filesystemType")
        return mount
    }

    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("anonymous", anonymous)
            o.member("createSource", createSource)
            o.member("destination", destination)
            o.member("filesystemType", filesystemType)
            o.member("name", name)
            o.member("options", options)
            o.member("propagation", propagation)
            o.member("readOnly", readOnly)
            o.member("recursion", recursion?.rawValue)
            o.member("source", source)
            o.member("type", type.rawValue)
        }
    }
}

extension ResolvConfRecord: JSONWritable {
    /// The record as it was written (`init(form:hostFile:written:)` would hash a text again).
    init(form: Form, hostFile: String?, digest: String) {
        self.form = form
        self.hostFile = hostFile
        self.digest = digest
    }

    /// As its `Encodable` conformance encodes it.
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("digest", digest)
            o.member("form", form.rawValue)
            o.member("hostFile", hostFile)
        }
    }
}
