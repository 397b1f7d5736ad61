import Foundation
import SkiffOCI
import Testing

@testable import SkiffKit

/// `inspect`'s HostConfig, Config and top-level keys built from a record's values, compared with what
/// `docker inspect` (20.10.24) printed for the same flags (Scripts/parity's reference run, docs/parity.md).
struct InspectDocumentTests {
    /// The spec's parts the document reads, as SpecBuilder writes them for these flags.
    static func spec(oomScoreAdj: Int? = nil, masked: [String]? = ["/proc/kcore"], readonly: [String]? = ["/proc/sys"])
        throws -> Spec
    {
        var spec = try JSONDecoder().decode(
            Spec.self, from: Data(#"{"ociVersion":"1.2.0","process":{"cwd":"/","args":["sh"]},"linux":{}}"#.utf8))
        spec.process?.oomScoreAdj = oomScoreAdj
        spec.linux?.maskedPaths = masked
        spec.linux?.readonlyPaths = readonly
        spec.mounts = [Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["size=65536k"])]
        return spec
    }

    static func doc(_ record: HostConfigRecord?, spec: Spec?, ipc: String = "private") -> [String: Any] {
        var host = ContainerInspect.HostConfigDoc(
            NetworkMode: "bridge", PortBindings: [:], PublishAllPorts: false,
            RestartPolicy: .init(Name: "no", MaximumRetryCount: 0), AutoRemove: false, Privileged: false,
            ReadonlyRootfs: false, LogConfig: .init(Type: "json-file", Config: [:]))
        host.IpcMode = ipc
        host.setCreateFlags(record, spec: spec)
        let data = (try? JSONEncoder().encode(host)) ?? Data()
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    static func json(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "null" }
        guard JSONSerialization.isValidJSONObject([value]),
            let data = try? JSONSerialization.data(
                withJSONObject: [value], options: [.sortedKeys, .withoutEscapingSlashes])
        else { return "\(value)" }
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    @Test func manyFlagsShowAsDockerShowsThem() throws {
        var o = RunOptions()
        o.mounts = [
            try MountRequest.parseVolume("/srv/data:/b:ro"), try MountRequest.parseVolume("namedvol:/nv"),
            try MountRequest.parseVolume("/anon"), try MountRequest.parseTmpfs("/scratch:size=1m"),
            try MountRequest.parseTmpfs("/t2"), try MountRequest.parseMount("type=bind,source=/srv,target=/m"),
        ]
        o.capAdd = ["SYS_ADMIN"]
        o.capDrop = ["NET_RAW"]
        o.names.dns = ["10.9.9.9"]
        o.names.dnsSearch = ["example.org"]
        o.names.dnsOptions = ["ndots:2"]
        o.names.extraHosts = ["db.local:10.1.2.3", "gw:host-gateway"]
        o.groupAdd = ["123"]
        o.sysctls = ["net.ipv4.ip_forward": "1"]
        o.initProcess = true
        o.devices = [try DeviceMapping(parsing: "/dev/null:/dev/mynull:rw", origin: "--device")]
        try SecurityOptions.apply(["no-new-privileges"], to: &o, directory: "/", origin: "--security-opt")
        var flags = CreateFlagValues()
        flags.ulimit = ["nofile=512:1024", "core=-1"]
        flags.shmSize = "128m"
        flags.userns = "host"
        try flags.apply(to: &o)
        let record = HostConfigRecord(options: o)
        #expect(record.anonymousVolumes == ["/anon"])
        let d = Self.doc(record, spec: try Self.spec(oomScoreAdj: 100))

        #expect(Self.json(d["Binds"]) == #"["/srv/data:/b:ro","namedvol:/nv"]"#)
        #expect(Self.json(d["Tmpfs"]) == #"{"/scratch":"size=1m","/t2":""}"#)
        #expect(Self.json(d["CapAdd"]) == #"["SYS_ADMIN"]"# && Self.json(d["CapDrop"]) == #"["NET_RAW"]"#)
        #expect(Self.json(d["Dns"]) == #"["10.9.9.9"]"# && Self.json(d["DnsSearch"]) == #"["example.org"]"#)
        #expect(Self.json(d["DnsOptions"]) == #"["ndots:2"]"#)
        #expect(Self.json(d["ExtraHosts"]) == #"["db.local:10.1.2.3","gw:host-gateway"]"#)
        #expect(Self.json(d["GroupAdd"]) == #"["123"]"#)
        #expect(Self.json(d["SecurityOpt"]) == #"["no-new-privileges"]"#)
        #expect(
            Self.json(d["Ulimits"])
                == #"[{"Hard":1024,"Name":"nofile","Soft":512},{"Hard":-1,"Name":"core","Soft":-1}]"#)
        #expect(d["ShmSize"] as? Int64 == 134_217_728)
        #expect(Self.json(d["Sysctls"]) == #"{"net.ipv4.ip_forward":"1"}"#)
        #expect(d["Init"] as? Bool == true)
        #expect(d["OomScoreAdj"] as? Int == 100)
        #expect(d["UsernsMode"] as? String == "host")
        #expect(
            Self.json(d["Devices"])
                == #"[{"CgroupPermissions":"rw","PathInContainer":"/dev/mynull","PathOnHost":"/dev/null"}]"#)
        #expect(Self.json(d["MaskedPaths"]) == #"["/proc/kcore"]"#)
        #expect(Self.json(d["ReadonlyPaths"]) == #"["/proc/sys"]"#)
    }

    /// A container made with no flags: Docker's nulls, empty lists and left-out keys, and its defaults.
    @Test func unsetFieldsAreDockersNullsAndEmptyLists() throws {
        let d = Self.doc(HostConfigRecord(options: RunOptions()), spec: try Self.spec())
        for key in [
            "Binds", "VolumesFrom", "CapAdd", "CapDrop", "ExtraHosts", "GroupAdd", "Links", "SecurityOpt",
            "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps",
            "DeviceCgroupRules", "DeviceRequests", "MemorySwappiness", "PidsLimit", "Ulimits",
        ] {
            #expect(d[key] is NSNull, "\(key): \(Self.json(d[key]))")
        }
        for key in ["Dns", "DnsOptions", "DnsSearch", "Devices", "BlkioWeightDevice"] {
            #expect(Self.json(d[key]) == "[]", "\(key): \(Self.json(d[key]))")
        }
        for key in ["Tmpfs", "Sysctls", "StorageOpt", "Init"] { #expect(d[key] == nil, "\(key) is written") }
        #expect(d["ShmSize"] as? Int64 == ContainerInspect.HostConfigDoc.defaultShmSize)
        #expect(d["ShmSize"] as? Int64 == 67_108_864)
        #expect(d["OomScoreAdj"] as? Int == 0 && d["OomKillDisable"] as? Bool == false)
        #expect(Self.json(d["ConsoleSize"]) == "[0,0]")
        for key in ["ContainerIDFile", "VolumeDriver", "Cgroup", "UsernsMode", "CgroupParent", "Isolation"] {
            #expect(d[key] as? String == "", "\(key)")
        }
        for key in ["KernelMemory", "KernelMemoryTCP", "CpuCount", "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth"]
        {
            #expect(d[key] as? Int == 0, "\(key)")
        }
        // A record made before the record kept these: the same shape, the shm size from the spec.
        let old = Self.doc(nil, spec: try Self.spec())
        #expect(old["ShmSize"] as? Int64 == 65536 * 1024 && old["Binds"] is NSNull && Self.json(old["Dns"]) == "[]")
    }

    /// Docker's daemon adds `label=disable` for a privileged container or one on the host's IPC or PID
    /// namespace; a privileged one has null masked and read-only paths, `systempaths=unconfined` [].
    @Test func privilegedAndUnconfinedPaths() throws {
        var o = RunOptions()
        o.privileged = true
        let priv = Self.doc(HostConfigRecord(options: o), spec: try Self.spec(masked: nil, readonly: nil))
        #expect(priv["Privileged"] as? Bool == true)
        #expect(Self.json(priv["SecurityOpt"]) == #"["label=disable"]"#)
        #expect(priv["MaskedPaths"] is NSNull && priv["ReadonlyPaths"] is NSNull)

        var u = RunOptions()
        try SecurityOptions.apply(["systempaths=unconfined"], to: &u, directory: "/", origin: "--security-opt")
        let unconfined = Self.doc(HostConfigRecord(options: u), spec: try Self.spec(masked: nil, readonly: nil))
        #expect(unconfined["Privileged"] as? Bool == false)
        #expect(Self.json(unconfined["MaskedPaths"]) == "[]" && Self.json(unconfined["ReadonlyPaths"]) == "[]")
        #expect(Self.json(unconfined["SecurityOpt"]) == #"["systempaths=unconfined"]"#)

        let ipcHost = Self.doc(HostConfigRecord(options: RunOptions()), spec: try Self.spec(), ipc: "host")
        #expect(Self.json(ipcHost["SecurityOpt"]) == #"["label=disable"]"#)
        var labelled = RunOptions()
        try SecurityOptions.apply(["label=disable"], to: &labelled, directory: "/", origin: "--security-opt")
        labelled.privileged = true
        #expect(
            Self.json(Self.doc(HostConfigRecord(options: labelled), spec: try Self.spec())["SecurityOpt"])
                == #"["label=disable"]"#)
    }

    @Test func configKeysAreWrittenAsNullWhenUnset() throws {
        let config = ContainerInspect.ConfigDoc(
            Hostname: "h", Domainname: "", User: "", AttachStdin: false, AttachStdout: true, AttachStderr: true,
            Tty: false, OpenStdin: false, StdinOnce: false, Env: [], Cmd: nil, Healthcheck: nil, Image: "busybox",
            WorkingDir: "/", Entrypoint: nil, Labels: [:], StopSignal: nil, StopTimeout: nil)
        let d =
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any] ?? [:]
        for key in ["Cmd", "Entrypoint", "Volumes", "OnBuild"] { #expect(d[key] is NSNull, "\(key)") }
        for key in ["Healthcheck", "StopSignal", "StopTimeout", "ExposedPorts"] { #expect(d[key] == nil, "\(key)") }
    }

    /// Config.Entrypoint and Cmd are the two halves of the command; Path and Args leave out `--init`.
    @Test func entrypointAndCmdSplitTheCommand() {
        var c = Container(
            id: String(repeating: "a", count: 64), name: "x", image: "busybox", imageID: "", manifestDigest: "",
            layerChainIDs: [], command: ["/sbin/docker-init", "--", "/bin/sh", "-c", "true"], created: "",
            status: .created, autoRemove: false, labels: [:])
        c.entrypoint = ["/bin/sh"]
        var record = HostConfigRecord()
        record.initProcess = true
        c.hostConfig = record
        #expect(Engine.configuredCommand(c) == ["/bin/sh", "-c", "true"])
        c.hostConfig = nil
        #expect(Engine.configuredCommand(c) == c.command, "without --init recorded the command is the process's")

        let doc = ContainerInspect.graphDriver(
            lowerDirs: ["/r/layers/b/diff", "/r/layers/a/diff"], containerDirectory: "/r/c/1")
        #expect(doc.Name == "overlay2")
        #expect(
            doc.Data
                == [
                    "LowerDir": "/r/layers/b/diff:/r/layers/a/diff", "MergedDir": "/r/c/1/rootfs",
                    "UpperDir": "/r/c/1/upper", "WorkDir": "/r/c/1/work",
                ])
    }

    /// Mounts[].Mode is the `-v` mode as given; a named volume without one is `z`, as Docker 20.10 shows it.
    @Test func mountModesAreTheVolumeFlagsModes() {
        let modes = ContainerInspect.bindModes(["/srv:/b:ro", "namedvol:/nv", "/h:/x//y/", "v2:/v2:rw,nocopy"])
        #expect(modes == ["/b": "ro", "/nv": "", "/x/y": "", "/v2": "rw,nocopy"])
    }

    /// Docker fills the /etc file paths and LogPath at the first start; LogPath only for json-file.
    @Test func filePathsAppearAtTheFirstStart() {
        let created = ContainerInspect.filePaths(directory: "/r/c/1", started: false, logDriver: nil)
        #expect(created == .init(resolvConf: "", hostname: "", hosts: "", log: ""))
        let started = ContainerInspect.filePaths(directory: "/r/c/1", started: true, logDriver: nil)
        #expect(
            started
                == .init(
                    resolvConf: "/r/c/1/resolv.conf", hostname: "/r/c/1/hostname", hosts: "/r/c/1/hosts",
                    log: "/r/c/1/log.jsonl"))
        #expect(ContainerInspect.filePaths(directory: "/r/c/1", started: true, logDriver: .local).log == "")
        #expect(ContainerInspect.filePaths(directory: "/r/c/1", started: true, logDriver: LogDriver.none).log == "")
    }

    /// `seccomp=FILE` shows the profile's JSON without its layout, as Docker's CLI sends it.
    @Test func aSeccompProfileIsShownAsItsJSON() throws {
        var o = RunOptions()
        try SecurityOptions.apply(
            ["seccomp=/etc/p.json", "no-new-privileges"], to: &o, directory: "/", origin: "--security-opt")
        var record = HostConfigRecord(options: o)
        let file = "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n\t\"names\": [ \"a b\", \"q\\\" x\" ]\n}\n"
        record.showSeccompProfile(Array(file.utf8))
        #expect(
            record.securityOpt
                == [#"seccomp={"defaultAction":"SCMP_ACT_ERRNO","names":["a b","q\" x"]}"#, "no-new-privileges"])
        var unconfined = RunOptions()
        try SecurityOptions.apply(["seccomp=unconfined"], to: &unconfined, directory: "/", origin: "--security-opt")
        var kept = HostConfigRecord(options: unconfined)
        kept.showSeccompProfile(Array(file.utf8))
        #expect(kept.securityOpt == ["seccomp=unconfined"])
    }

    /// A compose service's keys reach the same fields (Docker Compose sends `tmpfs:` as HostConfig.Tmpfs,
    /// and blkio_config's device lists as the Blkio* ones).
    @Test func composeKeysFillTheSameFields() throws {
        let dir = NSTemporaryDirectory() + "inspect-compose-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        services:
          app:
            image: busybox
            tmpfs: ["/scratch:size=1m", "/run"]
            cap_add: [SYS_ADMIN]
            extra_hosts: ["db.local:10.1.2.3"]
            ulimits: {nofile: {soft: 512, hard: 1024}}
            init: true
            blkio_config:
              weight_device: [{path: /dev/sda, weight: 400}]
              device_read_bps: [{path: /dev/sda, rate: 1024}]
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let project = try ComposeLoader.load(ComposeLoadOptions(workingDirectory: dir, environment: [:]))
        let app = try #require(project.service("app"))
        let options = try ComposeWiring(project: project).runOptions(app, name: "x-app-1", number: 1, configHash: "H")
        let d = Self.doc(HostConfigRecord(options: options), spec: try Self.spec())
        #expect(Self.json(d["Tmpfs"]) == #"{"/run":"","/scratch":"size=1m"}"#)
        #expect(Self.json(d["CapAdd"]) == #"["SYS_ADMIN"]"# && Self.json(d["ExtraHosts"]) == #"["db.local:10.1.2.3"]"#)
        #expect(Self.json(d["Ulimits"]) == #"[{"Hard":1024,"Name":"nofile","Soft":512}]"#)
        #expect(d["Init"] as? Bool == true)
        #expect(Self.json(d["BlkioWeightDevice"]) == #"[{"Path":"/dev/sda","Weight":400}]"#)
        #expect(Self.json(d["BlkioDeviceReadBps"]) == #"[{"Path":"/dev/sda","Rate":1024}]"#)
    }

    /// A record written before `entrypoint` and `hostConfig` existed still decodes.
    /// Docker's CLI sends `default` when no `--network` is given; inspect shows what was sent.
    @Test func networkModeIsTheFlagAsGiven() throws {
        var o = RunOptions()
        o.network = .bridge
        o.networkModeGiven = "default"
        #expect(HostConfigRecord(options: o).networkMode == "default")
        o.networkModeGiven = "bridge"
        #expect(HostConfigRecord(options: o).networkMode == "bridge")
        o.networkModeGiven = nil  // compose: the network's name from the attachment
        #expect(HostConfigRecord(options: o).networkMode == nil)
        let old = try JSONDecoder().decode(HostConfigRecord.self, from: Data("{}".utf8))
        #expect(old.networkMode == nil)
    }

    @Test func oldRecordsDecode() throws {
        let old = #"""
            {"id":"\#(String(repeating: "b", count: 64))","name":"old","image":"busybox","imageID":"sha256:x",
             "manifestDigest":"sha256:y","layerChainIDs":[],"command":["sh"],"created":"2026-01-01T00:00:00Z",
             "status":"exited","autoRemove":false,"labels":{}}
            """#
        let c = try JSONDecoder().decode(Container.self, from: Data(old.utf8))
        #expect(c.entrypoint == nil && c.hostConfig == nil)
    }
}
