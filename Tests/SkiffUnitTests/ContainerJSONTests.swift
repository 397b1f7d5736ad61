import Foundation
import SkiffSystem
import Testing

@testable import SkiffKit

/// container.json is written with `JSONOutput` and read with `JSONView` (Container+JSON.swift,
/// HostConfigRecord+JSON.swift). Codable is the oracle: the writer's bytes are `JSONEncoder`'s and the
/// reader's value is `JSONDecoder`'s, on a record that sets every field of every nested type (checked by
/// reflection, so a field added to the record fails here until both sides handle it), on a record as
/// `create` writes it, and where the reader declines, `KitJSON.decode` gives Codable's value or error.
@Suite("Container record JSON")
struct ContainerJSONTests {
    static func encoded<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return Array(try encoder.encode(value))
    }

    static var fullRecord: Container {
        var c = Container(
            id: String(repeating: "ab", count: 32), name: "app-web-1", image: "registry.local:5000/app:1",
            imageID: "sha256:" + String(repeating: "1", count: 64),
            manifestDigest: "sha256:" + String(repeating: "2", count: 64),
            layerChainIDs: ["sha256:a", "sha256:b"], command: ["/bin/sh", "-c", "echo \"hi\" \\ é"],
            created: "2026-12-07T04:00:00.123456789Z", status: .restarting, autoRemove: true,
            labels: ["com.docker.compose.service": "web", "a/b": "\u{1F600}"])
        c.exitCode = -1
        c.startedAt = "2026-12-07T04:00:01Z"
        c.finishedAt = "2026-12-07T04:00:02Z"
        c.pid = Int32.max
        c.pidStartTime = UInt64.max
        c.monitorPid = 2
        c.monitorStartTime = 3
        c.runnerPid = 4
        c.runnerStartTime = 5
        c.restartPolicy = RestartPolicy(name: .onFailure, maximumRetryCount: 3)
        c.restartCount = 7
        c.stoppedByUser = false
        c.healthcheck = HealthCheck(
            test: ["CMD-SHELL", "curl -f http://localhost/"], interval: 1, timeout: 2, startPeriod: 3, retries: 4,
            startInterval: 5)
        c.health = HealthState(
            status: .unhealthy, failingStreak: 2,
            log: [.init(Start: "s", End: "e", ExitCode: -1, Output: "line\n\ttab\u{0}")])
        c.tty = true
        c.openStdin = true
        c.stopSignal = "SIGQUIT"
        c.stopTimeout = 30
        c.logMaxSize = 10_485_760
        c.logMaxFiles = 3
        c.logDriver = .jsonFile
        c.logAttributes = #"{"tag":"x"}"#
        c.logForward = "syslog://127.0.0.1:514"
        c.logCompress = true
        c.logOptions = ["max-size": "10m", "labels": "a,b"]
        c.hostname = "web"
        c.error = "repaired"
        c.oomKilled = true
        c.oomKillsReported = 1
        var modes = NamespaceModes()
        modes.pid = .container("db")
        modes.ipc = .shareable
        modes.uts = .host
        modes.cgroupns = .private
        c.namespaceModes = modes
        var mount = MountPoint(type: .bind, name: "data", source: "/srv/data", destination: "/data", readOnly: true)
        mount.anonymous = false
        mount.propagation = "rslave"
        mount.options = ["size=1m"]
        mount.createSource = true
        mount.recursion = .writable
        mount.filesystemType = "tmpfs"
        c.mounts = [mount, MountPoint(type: .volume, source: "v", destination: "/v", readOnly: false)]
        c.nanoCpus = 1_500_000_000
        c.user = "1000:1000"
        c.defaultHome = "/root"
        c.exposedPorts = ["9000/tcp"]
        c.entrypoint = ["/entry"]
        c.configEnv = ["PATH=/usr/bin", "A=b=c"]
        c.workingDir = "/code"
        c.hostConfig = fullHostConfig
        c.resolvConf = ResolvConfRecord(
            form: .embedded, hostFile: "/run/systemd/resolve/resolv.conf", digest: "sha256:00")
        return c
    }

    static var fullHostConfig: HostConfigRecord {
        var h = HostConfigRecord()
        h.binds = ["/src:/dst:ro"]
        h.anonymousVolumes = ["/anon"]
        var spec = MountFlagSpec(type: "volume", source: "v", target: "/v")
        spec.ReadOnly = true
        var bind = MountFlagSpec.BindOptions()
        bind.Propagation = "rprivate"
        bind.NonRecursive = true
        bind.CreateMountpoint = true
        bind.ReadOnlyNonRecursive = false
        bind.ReadOnlyForceRecursive = true
        spec.BindOptions = bind
        var volume = MountFlagSpec.VolumeOptions()
        volume.NoCopy = true
        volume.Labels = ["l": "1"]
        volume.DriverConfig.Name = "local"
        volume.DriverConfig.Options = ["o": "bind"]
        spec.VolumeOptions = volume
        var tmpfs = MountFlagSpec.TmpfsOptions()
        tmpfs.SizeBytes = 1 << 20
        tmpfs.Mode = 0o1777
        spec.TmpfsOptions = tmpfs
        h.mounts = [spec, MountFlagSpec(type: "tmpfs", source: nil, target: "/t")]
        h.tmpfs = ["/run": "size=1m"]
        h.volumesFrom = ["db:ro"]
        h.capAdd = ["NET_ADMIN"]
        h.capDrop = ["ALL"]
        h.dns = ["9.9.9.9"]
        h.dnsOptions = ["ndots:1"]
        h.dnsSearch = ["example.com"]
        h.extraHosts = ["h:10.0.0.1"]
        h.groupAdd = ["audio"]
        h.securityOpt = ["no-new-privileges"]
        h.devices = [DeviceMapping(hostPath: "/dev/null", containerPath: "/dev/n", permissions: "rw")]
        h.deviceCgroupRules = ["c 1:3 rwm"]
        h.ulimits = [.init(name: "nofile", soft: 1024, hard: -1)]
        h.shmSize = 67_108_864
        h.sysctls = ["net.core.somaxconn": "1024"]
        h.networkMode = "app_default"
        h.privileged = true
        h.initProcess = true
        h.cgroupParent = "/skiff"
        h.usernsMode = "host"
        h.containerIDFile = "/tmp/cid"
        h.storageOpt = ["size": "1G"]
        h.blkioWeightDevices = [.init(path: "/dev/sda", value: 200)]
        h.blkioReadBps = [.init(path: "/dev/sda", value: UInt64.max)]
        h.blkioWriteBps = [.init(path: "/dev/sda", value: 0)]
        h.blkioReadIOps = [.init(path: "/dev/sda", value: 1)]
        h.blkioWriteIOps = [.init(path: "/dev/sdb", value: 2)]
        return h
    }

    @Test func everyFieldIsWrittenAndReadAsCodableDoes() throws {
        let record = Self.fullRecord
        #expect(SpecJSONOutputTests.unset(in: record) == [])
        let written = try KitJSON.encode(record)
        let encoded = try Self.encoded(record)
        #expect(
            written == encoded,
            "\(String(decoding: written, as: UTF8.self))\n---\n\(String(decoding: encoded, as: UTF8.self))")
        let read = try #require(Container(json: encoded))
        #expect(read == record)
        #expect(read == (try JSONDecoder().decode(Container.self, from: Data(encoded))))
    }

    /// Each IPC mode and each restart policy, health status and mount kind writes and reads as Codable's,
    /// and so do empty lists and maps.
    @Test func eachEnumCaseIsWrittenAndReadAsCodableDoes() throws {
        let ipcModes: [NamespaceModes.IPCMode] = [.private, .shareable, .host, .none, .container("x")]
        let kinds: [MountRequest.Kind] = [.volume, .bind, .tmpfs]
        let statuses: [Container.Status] = [.created, .running, .exited, .restarting]
        let policies: [RestartPolicy.Name] = [.no, .onFailure, .always, .unlessStopped]
        let forms: [ResolvConfRecord.Form] = [.hostFile, .bridge, .embedded]
        for i in 0..<5 {
            var record = Self.fullRecord
            record.namespaceModes?.ipc = ipcModes[i]
            record.namespaceModes?.pid = i % 2 == 0 ? .private : .host
            record.namespaceModes?.uts = i % 2 == 0 ? .private : .host
            record.namespaceModes?.cgroupns = i % 2 == 0 ? nil : .host
            record.mounts?[0].type = kinds[i % 3]
            record.mounts?[0].recursion = MountRequest.BindRecursion.allCases[i % 4]
            record.status = statuses[i % 4]
            record.restartPolicy?.name = policies[i % 4]
            record.health?.status = [.starting, .healthy, .unhealthy][i % 3]
            record.logDriver = [.local, .none, .syslog, .journald, .gelf][i]
            record.resolvConf?.form = forms[i % 3]
            if i == 0 {
                // Empty lists and maps, as the encoder writes them (brackets around a blank line).
                record.entrypoint = []
                record.labels = [:]
                record.health?.log = []
                record.hostConfig = HostConfigRecord()
            }
            let bytes = try KitJSON.encode(record)
            #expect(bytes == (try Self.encoded(record)), "case \(i)")
            #expect(Container(json: bytes) == record, "case \(i)")
        }
    }

    /// A record as `create` writes it, and one written before most optional fields existed.
    @Test func recordsAsCreateWritesThemReadAsDecoded() throws {
        let created = #"""
            {"autoRemove":false,"command":["sleep","1000"],"configEnv":["PATH=/usr/bin"],"created":"c","defaultHome":"/root",
            "entrypoint":[],"hostConfig":{"networkMode":"none"},"hostname":"53a3f38155e1","id":"53a3","image":"busybox",
            "imageID":"sha256:f2","labels":{},"layerChainIDs":["sha256:6d"],"manifestDigest":"sha256:24","name":"amazing_kepler",
            "namespaceModes":{"ipc":"private","pid":"","uts":""},"openStdin":false,
            "resolvConf":{"digest":"sha256:b2","form":"host-file"},"restartCount":0,"status":"created","tty":false,"user":"","workingDir":""}
            """#
        let old = #"""
            {"autoRemove":true,"command":[],"created":"c","id":"x","image":"i","imageID":"d","labels":{"a":"b"},"layerChainIDs":[],
            "manifestDigest":"m","name":"n","status":"exited","exitCode":137,"namespaceModes":{},"pid":null,"future":{"x":[1]}}
            """#
        for text in [created, old] {
            let bytes = Array(text.utf8)
            let read = try #require(Container(json: bytes), "\(text)")
            #expect(read == (try JSONDecoder().decode(Container.self, from: Data(bytes))))
        }
    }

    /// Records the reader declines: nil here, and `KitJSON.decode` then gives Codable's value or Codable's
    /// error. An unknown status, a mode the parser refuses, a fraction, a number out of range, a field of
    /// another type, a required field missing, a key twice, bad JSON.
    @Test func declinedRecordsFallBackToCodable() throws {
        let head =
            #"{"autoRemove":false,"command":[],"created":"c","id":"x","image":"i","imageID":"d","labels":{},"#
            + #""layerChainIDs":[],"manifestDigest":"m","name":"n","#
        let declined = [
            head + #""status":"paused"}"#,
            head + #""status":"created","namespaceModes":{"uts":"container:x"}}"#,
            head + #""status":"created","namespaceModes":{"pid":1}}"#,
            head + #""status":"created","exitCode":1.5}"#,
            head + #""status":"created","pid":4294967296}"#,
            head + #""status":"created","pidStartTime":-1}"#,
            head + #""status":"created","healthcheck":{"test":[],"interval":1,"timeout":1,"startPeriod":1}}"#,
            head + #""status":"created","mounts":[{"type":"npipe","source":"s","destination":"d","readOnly":false}]}"#,
            head + #""status":"created","hostConfig":{"mounts":[{"Type":"volume","VolumeOptions":{}}]}}"#,
            head + #""status":"created","hostConfig":{"blkioReadBps":[{"path":"/dev/sda","value":-1}]}}"#,
            head + #""status":"created","resolvConf":{"form":"other","digest":"d"}}"#,
            head + #""status":"created","logDriver":"splunk"}"#,
            head + #""status":"created","status":"exited"}"#,
            #"{"autoRemove":false,"status":"created"}"#,
            head + #""status":"created""#,
        ]
        for text in declined {
            let bytes = Array(text.utf8)
            #expect(Container(json: bytes) == nil, "\(text)")
            let codable = Result { try JSONDecoder().decode(Container.self, from: Data(bytes)) }
            let kit = Result { try KitJSON.decode(Container.self, from: bytes) }
            switch (codable, kit) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(text)")
            case (.failure(let a), .failure(let b)): #expect(KitJSON.reason(a) == KitJSON.reason(b), "\(text)")
            default: Issue.record("\(text): Codable gave \(codable), KitJSON \(kit)")
            }
        }
    }
}
