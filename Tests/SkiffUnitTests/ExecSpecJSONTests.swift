import SkiffOCI
import Testing

import struct Foundation.Data
import class Foundation.JSONDecoder
import class Foundation.JSONEncoder

@testable import SkiffRuntime

/// `ExecSpec(configJSON:)`, the exec's parts of a config.json read without Codable, against its contract:
/// whatever it reads equals `ExecSpec(spec)` of the Codable decode with the seccomp rules left unread (as
/// `SpecFile.load(bundle:omittingSeccompRules: true)` does), and what it cannot read so it refuses (nil),
/// for the caller to decode the file instead.
@Suite("Exec spec read without Codable")
struct ExecSpecJSONTests {
    // MARK: Helpers

    /// What the exec path got before: Codable, rules omitted.
    static func codable(_ bytes: [UInt8]) throws -> ExecSpec {
        let spec = try LinuxSeccomp.$omitsRules.withValue(true) {
            try JSONDecoder().decode(Spec.self, from: Data(bytes))
        }
        return ExecSpec(spec)
    }

    /// Both readers on `bytes`: the lean one must read it, and read what Codable reads.
    @discardableResult
    static func expectAgreement(
        _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ExecSpec {
        let full = try codable(bytes)
        let lean = try #require(
            ExecSpec(configJSON: bytes), "refused a document Codable reads", sourceLocation: sourceLocation)
        #expect(
            lean == full, Comment(rawValue: StructuralDiff.report(lean, full, path: "spec")),
            sourceLocation: sourceLocation)
        return lean
    }

    @discardableResult
    static func expectAgreement(
        _ json: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ExecSpec {
        try expectAgreement(Array(json.utf8), sourceLocation: sourceLocation)
    }

    /// As `SpecFile.write` encodes.
    static func written(_ spec: Spec) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(spec))
    }

    /// One line, keys in declaration order, slashes escaped (`\/`).
    static func compact(_ spec: Spec) throws -> [UInt8] {
        Array(try JSONEncoder().encode(spec))
    }

    /// A config.json with `process` as given (JSON text) and `linux` too when given.
    static func config(process: String, linux: String? = nil) -> String {
        #"{"ociVersion": "1.2.0", "process": "# + process + (linux.map { #", "linux": "# + $0 } ?? "") + "}"
    }

    /// A config.json whose `process.user` is as given.
    static func config(user: String) -> String {
        config(process: #"{"user": "# + user + #", "cwd": "/"}"#)
    }

    // MARK: Fixtures that set every field

    static var fullUser: User {
        var user = User(uid: UInt32.max, gid: 1000, umask: 0o027, additionalGids: [0, 10, UInt32.max])
        user.username = "app \"user\""
        return user
    }

    static var fullCapabilities: LinuxCapabilities {
        LinuxCapabilities(
            bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"], effective: ["CAP_CHOWN"],
            inheritable: ["CAP_KILL"], permitted: ["CAP_CHOWN", "CAP_KILL"], ambient: [])
    }

    static var fullProcess: Process {
        var process = Process(
            terminal: true, consoleSize: ConsoleSize(height: 50, width: 132), user: fullUser,
            args: ["sh", "-c", "echo \"quoted\" 'single' \\ back\\slash\nsecond line\ttab /slash"],
            env: [
                "PATH=/usr/local/bin:/usr/bin", "QUOTE=\"x\"", "BACKSLASH=C:\\dir\\", "NEWLINE=a\nb\r\nc",
                "CONTROL=\u{1}\u{8}\u{C}\u{1F}\u{7F}", "UNICODE=h\u{E9}llo \u{65E5}\u{672C} \u{2713}",
                "EMOJI=\u{1F600}\u{1F44D}\u{1F3FD}", "EMPTY=", "ESCAPED_LOOKING=\\u0041\\n",
            ],
            cwd: "/home/app dir/\u{E9}t\u{E9}", capabilities: fullCapabilities,
            rlimits: [
                POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1_048_576, soft: 1024),
                POSIXRlimit(type: "RLIMIT_CORE", hard: UInt64.max, soft: UInt64.max),
                POSIXRlimit(type: "RLIMIT_NPROC", hard: 0, soft: 0),
            ],
            noNewPrivileges: false, oomScoreAdj: -999)
        process.commandLine = "cmd.exe /c \"echo hi\""
        process.apparmorProfile = "docker-default"
        process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"
        return process
    }

    static let fullNamespaces = [
        LinuxNamespace(type: "user"), LinuxNamespace(type: "mount"),
        LinuxNamespace(type: "pid", path: "/proc/4242/ns/pid"),
        LinuxNamespace(type: "network", path: "/var/run/netns/web \u{1F310}"), LinuxNamespace(type: "time"),
    ]
    static let uidMappings = [
        LinuxIDMapping(containerID: 0, hostID: 100_000, size: 65536),
        LinuxIDMapping(containerID: 65536, hostID: UInt32.max - 1, size: 1),
    ]
    static let gidMappings = [LinuxIDMapping(containerID: 0, hostID: 200_000, size: 65536)]

    static var fullSeccomp: LinuxSeccomp {
        LinuxSeccomp(
            defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38,
            architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
            syscalls: [
                LinuxSyscall(names: ["read", "write"], action: "SCMP_ACT_ALLOW"),
                LinuxSyscall(
                    names: ["personality"], action: "SCMP_ACT_ALLOW",
                    args: [LinuxSeccompArg(index: 0, value: UInt64.max, valueTwo: 1, op: "SCMP_CMP_MASKED_EQ")]),
                LinuxSyscall(names: ["mount"], action: "SCMP_ACT_NOTIFY", errnoRet: 1),
            ],
            listenerPath: "/run/seccomp agent.sock", listenerMetadata: "meta \"data\" \\ \u{1F600}")
    }

    static func fullSpec(seccomp: LinuxSeccomp = fullSeccomp) -> Spec {
        Spec(
            process: fullProcess, root: Root(path: "rootfs", readonly: true), hostname: "full",
            mounts: [Mount(destination: "/proc", type: "proc", source: "proc")],
            annotations: ["org.example/\"key\"": "value\n\u{1F600}"],
            linux: Linux(
                namespaces: fullNamespaces, uidMappings: uidMappings, gidMappings: gidMappings,
                resources: LinuxResources(devices: [LinuxDeviceCgroup(allow: false, access: "rwm")]),
                seccomp: seccomp, maskedPaths: ["/proc/kcore"], readonlyPaths: ["/proc/sys"]))
    }

    // MARK: Specs this project writes

    @Test(arguments: [false, true])
    func dockerDefaultsAsWritten(terminal: Bool) throws {
        let spec = DockerDefaults.spec(
            rootfs: "/var/lib/skiff/c1/rootfs", args: ["nginx", "-g", "daemon off;"], terminal: terminal,
            hostname: "web")
        let lean = try Self.expectAgreement(try Self.written(spec))
        #expect(lean.process == spec.process)
        #expect(lean.namespaces == spec.linux?.namespaces)
        #expect(lean.seccomp?.rulesOmitted == true)
        #expect(lean.seccomp?.syscalls == nil)
    }

    @Test func dockerDefaultsEncodedCompactly() throws {
        let spec = DockerDefaults.spec(rootfs: "rootfs", args: ["sh"], hostname: nil)
        let lean = try Self.expectAgreement(try Self.compact(spec))
        #expect(lean.process == spec.process)
    }

    @Test(arguments: [false, true])
    func runcTemplateAsWritten(cgroupV2: Bool) throws {
        let spec = RuncSpecTemplate.spec(cgroupV2: cgroupV2)
        let lean = try Self.expectAgreement(try Self.written(spec))
        #expect(lean.process == spec.process)
        #expect(lean.namespaces == RuncSpecTemplate.namespaces(cgroupV2: cgroupV2))
        #expect(lean.seccomp == nil)
    }

    @Test func runcTemplateEncodedCompactly() throws {
        let spec = RuncSpecTemplate.spec(args: ["/bin/echo", "a/b"], terminal: false)
        let lean = try Self.expectAgreement(try Self.compact(spec))
        #expect(lean.process?.args == ["/bin/echo", "a/b"])
    }

    // MARK: Every field set

    @Test func everyProcessFieldReadsAsCodableReadsIt() throws {
        for bytes in [try Self.written(Self.fullSpec()), try Self.compact(Self.fullSpec())] {
            let lean = try Self.expectAgreement(bytes)
            #expect(lean.process == Self.fullProcess)
            #expect(lean.namespaces == Self.fullNamespaces)
            #expect(lean.uidMappings == Self.uidMappings)
            #expect(lean.gidMappings == Self.gidMappings)
        }
    }

    @Test func seccompWithRulesIsReadWithoutThem() throws {
        let lean = try Self.expectAgreement(try Self.written(Self.fullSpec()))
        var expected = Self.fullSeccomp
        expected.syscalls = nil
        expected.rulesOmitted = true
        #expect(lean.seccomp == expected)
    }

    @Test func seccompWithoutRulesIsNotMarkedOmitted() throws {
        var profile = Self.fullSeccomp
        profile.syscalls = nil
        for bytes in [
            try Self.written(Self.fullSpec(seccomp: profile)), try Self.compact(Self.fullSpec(seccomp: profile)),
        ] {
            let lean = try Self.expectAgreement(bytes)
            #expect(lean.seccomp == profile)
            #expect(lean.seccomp?.rulesOmitted == false)
        }
    }

    /// A field added to Process (or User, LinuxCapabilities, LinuxSeccomp, LinuxNamespace) is nil in the
    /// full fixture until it is set there, and then the equivalence tests above fail until the lean
    /// reader reads it too. A new field of any kind changes the list of fields.
    @Test func fullFixturesSetEveryField() {
        let fixtures: [(name: String, value: Any, fields: [String])] = [
            (
                "Process", Self.fullProcess,
                [
                    "terminal", "consoleSize", "user", "args", "commandLine", "env", "cwd", "capabilities", "rlimits",
                    "noNewPrivileges", "apparmorProfile", "oomScoreAdj", "selinuxLabel",
                ]
            ),
            ("User", Self.fullUser, ["uid", "gid", "umask", "additionalGids", "username"]),
            (
                "LinuxCapabilities", Self.fullCapabilities,
                ["bounding", "effective", "inheritable", "permitted", "ambient"]
            ),
            ("ConsoleSize", Self.fullProcess.consoleSize as Any, ["height", "width"]),
            ("POSIXRlimit", Self.fullProcess.rlimits?.first as Any, ["type", "hard", "soft"]),
            (
                "LinuxSeccomp", Self.fullSeccomp,
                [
                    "defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls", "listenerPath",
                    "listenerMetadata", "rulesOmitted",
                ]
            ),
            ("LinuxNamespace", Self.fullNamespaces[2], ["type", "path"]),
            ("LinuxIDMapping", Self.uidMappings[0], ["containerID", "hostID", "size"]),
        ]
        for fixture in fixtures {
            var mirror = Mirror(reflecting: fixture.value)
            if mirror.displayStyle == .optional, let wrapped = mirror.children.first {
                mirror = Mirror(reflecting: wrapped.value)
            }
            #expect(
                mirror.children.map { $0.label ?? "?" } == fixture.fields,
                "\(fixture.name)'s fields changed: read the new one in ExecSpec+JSON.swift and set it here")
            for child in mirror.children {
                let field = Mirror(reflecting: child.value)
                #expect(
                    !(field.displayStyle == .optional && field.children.isEmpty),
                    "\(fixture.name).\(child.label ?? "?") is nil in the full fixture: set it")
            }
        }
    }

    // MARK: Hand-written documents both read alike

    @Test func processAbsent() throws {
        let lean = try Self.expectAgreement(#"{"ociVersion": "1.2.0"}"#)
        #expect(lean == ExecSpec(process: nil))
    }

    @Test func processNull() throws {
        let lean = try Self.expectAgreement(#"{"ociVersion": "1.2.0", "process": null, "linux": {}}"#)
        #expect(lean.process == nil)
    }

    @Test(arguments: ["", #", "linux": null"#, #", "linux": {}"#])
    func linuxAbsentNullOrEmpty(linux: String) throws {
        let lean = try Self.expectAgreement(#"{"ociVersion": "1.2.0", "process": {"cwd": "/"}"# + linux + "}")
        #expect(lean == ExecSpec(process: Process(cwd: "/")))
    }

    @Test func userAbsentIsRoot() throws {
        let lean = try Self.expectAgreement(Self.config(process: #"{"cwd": "/srv", "args": ["id"]}"#))
        #expect(lean.process?.user == User(uid: 0, gid: 0))
        #expect(lean.process?.cwd == "/srv")
    }

    @Test func userNullIsRoot() throws {
        let lean = try Self.expectAgreement(Self.config(user: "null"))
        #expect(lean.process?.user == User())
    }

    @Test func everyOptionalFieldExplicitlyNull() throws {
        let process = #"""
            {"terminal": null, "consoleSize": null, "args": null, "commandLine": null, "env": null, "cwd": "/",
             "capabilities": {"bounding": null, "effective": null, "inheritable": null, "permitted": null,
                              "ambient": null},
             "user": {"uid": 1, "gid": 2, "umask": null, "additionalGids": null, "username": null},
             "rlimits": null, "noNewPrivileges": null, "apparmorProfile": null, "oomScoreAdj": null,
             "selinuxLabel": null}
            """#
        let linux = #"""
            {"namespaces": [{"type": "pid", "path": null}], "uidMappings": null, "gidMappings": null,
             "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": null, "architectures": null,
                         "flags": null, "listenerPath": null, "listenerMetadata": null}}
            """#
        let lean = try Self.expectAgreement(Self.config(process: process, linux: linux))
        #expect(lean.process == Process(user: User(uid: 1, gid: 2), cwd: "/", capabilities: LinuxCapabilities()))
        #expect(lean.namespaces == [LinuxNamespace(type: "pid")])
        #expect(lean.seccomp == LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW"))
    }

    @Test func capabilitiesNullAndSetsEmpty() throws {
        try Self.expectAgreement(Self.config(process: #"{"cwd": "/", "capabilities": null, "args": [], "env": []}"#))
        let lean = try Self.expectAgreement(Self.config(process: #"{"cwd": "/", "capabilities": {}}"#))
        #expect(lean.process?.capabilities == LinuxCapabilities())
    }

    @Test func unknownKeysAtEveryLevelAreIgnored() throws {
        let json = #"""
            {"future": {"a": [1, 2.5e10, {"b": null}]}, "ociVersion": "1.2.0", "x-top": "\u00e9\n",
             "process": {"x": [[]], "cwd": "/", "user": {"uid": 5, "gid": 6, "extra": {"uid": "not this one"}},
                         "consoleSize": {"height": 1, "width": 2, "depth": 3},
                         "capabilities": {"bounding": ["CAP_KILL"], "future": ["CAP_X"]},
                         "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 2, "soft": 1, "note": true}],
                         "ioPriority": {"class": "IOPRIO_CLASS_IDLE", "priority": 0},
                         "scheduler": null, "execCPUAffinity": {"initial": "0-3"}},
             "linux": {"namespaces": [{"type": "pid", "flags": 1}], "unknown": {"cwd": 7},
                       "uidMappings": [{"containerID": 0, "hostID": 1, "size": 2, "comment": "x"}],
                       "resources": {"memory": {"limit": 1e3}}, "intelRdt": {"closID": "a"},
                       "seccomp": {"defaultAction": "SCMP_ACT_LOG", "comment": [1, "two"]}},
             "root": {"path": "rootfs"}, "mounts": []}
            """#
        let lean = try Self.expectAgreement(json)
        #expect(lean.process?.user == User(uid: 5, gid: 6))
        #expect(lean.process?.rlimits == [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 2, soft: 1)])
        #expect(lean.uidMappings == [LinuxIDMapping(containerID: 0, hostID: 1, size: 2)])
        #expect(lean.seccomp == LinuxSeccomp(defaultAction: "SCMP_ACT_LOG"))
    }

    @Test func keysWrittenWithEscapes() throws {
        let lean = try Self.expectAgreement(
            #"{"ociVersion": "1.2.0", "proc\u0065ss": {"c\u0077d": "\/tmp", "\u0075ser": {"uid": 3, "gid": 4}}}"#)
        #expect(lean.process?.cwd == "/tmp")
        #expect(lean.process?.user == User(uid: 3, gid: 4))
    }

    @Test func integersAtTheirLimits() throws {
        let process = #"""
            {"cwd": "/", "user": {"uid": 4294967295, "gid": 0, "additionalGids": [4294967295]},
             "rlimits": [{"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 0}],
             "oomScoreAdj": -9223372036854775808, "consoleSize": {"height": 18446744073709551615, "width": 0}}
            """#
        let lean = try Self.expectAgreement(Self.config(process: process))
        #expect(lean.process?.user.uid == UInt32.max)
        #expect(lean.process?.rlimits?.first?.hard == UInt64.max)
        #expect(lean.process?.oomScoreAdj == Int.min)
    }

    @Test func minusZeroIsZero() throws {
        let lean = try Self.expectAgreement(Self.config(user: #"{"uid": -0, "gid": -0}"#))
        #expect(lean.process?.user == User())
    }

    /// Codable's `contains(.syscalls)` is true for a null or a value it never reads.
    @Test(arguments: [#""syscalls": null"#, #""syscalls": 5"#, #""syscalls": []"#, #""syscalls": [{"bad": 1}]"#])
    func syscallsPresentInAnyFormAreOmitted(syscalls: String) throws {
        let linux = #"{"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "# + syscalls + "}}"
        let lean = try Self.expectAgreement(Self.config(process: #"{"cwd": "/"}"#, linux: linux))
        #expect(lean.seccomp?.rulesOmitted == true)
    }

    // MARK: Refused, for Codable to decide

    static let wrongTypes: [String] = [
        config(user: #"{"uid": "0", "gid": 0}"#),
        config(user: #"{"uid": 0, "gid": null}"#),
        config(user: #"{"uid": 0, "gid": 0, "umask": "022"}"#),
        config(user: #"{"uid": 0, "gid": 0, "additionalGids": [1, "2"]}"#),
        config(user: #"{"uid": 0, "gid": 0, "additionalGids": 1}"#),
        config(user: #"{"uid": 0, "gid": 0, "username": 7}"#),
        config(user: #"{"uid": 0}"#),
        config(user: "{}"),
        config(user: "[]"),
        config(user: "0"),
        config(process: #"{"cwd": "/", "args": "sh"}"#),
        config(process: #"{"cwd": "/", "args": ["sh", 1]}"#),
        config(process: #"{"cwd": "/", "args": ["sh", null]}"#),
        config(process: #"{"cwd": "/", "args": {"0": "sh"}}"#),
        config(process: #"{"cwd": "/", "env": [["A=1"]]}"#),
        config(process: #"{"cwd": "/", "terminal": 1}"#),
        config(process: #"{"cwd": "/", "terminal": "true"}"#),
        config(process: #"{"cwd": "/", "noNewPrivileges": 0}"#),
        config(process: #"{"cwd": 0}"#),
        config(process: #"{"cwd": ["/"]}"#),
        config(process: #"{"cwd": "/", "commandLine": ["a"]}"#),
        config(process: #"{"cwd": "/", "apparmorProfile": false}"#),
        config(process: #"{"cwd": "/", "selinuxLabel": {}}"#),
        config(process: #"{"cwd": "/", "oomScoreAdj": "1"}"#),
        config(process: #"{"cwd": "/", "oomScoreAdj": 9223372036854775808}"#),
        config(process: #"{"cwd": "/", "consoleSize": {"height": -1, "width": 80}}"#),
        config(process: #"{"cwd": "/", "consoleSize": {"height": 24}}"#),
        config(process: #"{"cwd": "/", "consoleSize": [24, 80]}"#),
        config(process: #"{"cwd": "/", "capabilities": ["CAP_KILL"]}"#),
        config(process: #"{"cwd": "/", "capabilities": {"bounding": "CAP_KILL"}}"#),
        config(process: #"{"cwd": "/", "capabilities": {"ambient": [true]}}"#),
        config(process: #"{"cwd": "/", "rlimits": {"type": "RLIMIT_NOFILE", "hard": 1, "soft": 1}}"#),
        config(process: #"{"cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1}]}"#),
        config(process: #"{"cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "hard": -1, "soft": 1}]}"#),
        config(
            process: #"{"cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 18446744073709551616, "soft": 1}]}"#),
        config(process: #"{"cwd": "/", "rlimits": [{"type": 7, "hard": 1, "soft": 1}]}"#),
        config(process: #""sh""#),
        config(process: "[]"),
        config(process: #"{"cwd": "/"}"#, linux: "[]"),
        config(process: #"{"cwd": "/"}"#, linux: #"{"namespaces": {"type": "pid"}}"#),
        config(process: #"{"cwd": "/"}"#, linux: #"{"namespaces": [{"path": "/proc/1/ns/pid"}]}"#),
        config(process: #"{"cwd": "/"}"#, linux: #"{"namespaces": [{"type": null}]}"#),
        config(process: #"{"cwd": "/"}"#, linux: #"{"namespaces": [{"type": "pid", "path": 1}]}"#),
        config(process: #"{"cwd": "/"}"#, linux: #"{"namespaces": ["pid"]}"#),
        config(process: #"{"cwd": "/"}"#, linux: #"{"uidMappings": [{"containerID": 0, "hostID": 1}]}"#),
        config(process: #"{"cwd": "/"}"#, linux: #"{"gidMappings": [{"containerID": 0, "hostID": "1", "size": 1}]}"#),
        config(
            process: #"{"cwd": "/"}"#, linux: #"{"uidMappings": [{"containerID": 0, "hostID": 4294967296, "size": 1}]}"#
        ),
        config(process: #"{"cwd": "/"}"#, linux: #"{"seccomp": {}}"#),
        config(process: #"{"cwd": "/"}"#, linux: #"{"seccomp": "unconfined"}"#),
        config(process: #"{"cwd": "/"}"#, linux: #"{"seccomp": {"defaultAction": 1}}"#),
        config(process: #"{"cwd": "/"}"#, linux: #"{"seccomp": {"defaultAction": "A", "defaultErrnoRet": -1}}"#),
        config(process: #"{"cwd": "/"}"#, linux: #"{"seccomp": {"defaultAction": "A", "flags": "LOG"}}"#),
        config(process: #"{"cwd": "/"}"#, linux: #"{"seccomp": {"defaultAction": "A", "listenerPath": 5}}"#),
    ]

    /// Codable refuses these too, so the fallback reports the field.
    @Test(arguments: ExecSpecJSONTests.wrongTypes)
    func aFieldOfAnotherTypeIsRefused(json: String) {
        #expect(ExecSpec(configJSON: Array(json.utf8)) == nil)
        #expect(throws: (any Error).self) { try Self.codable(Array(json.utf8)) }
    }

    /// Codable reads 1.0 and 1e0 as 1; the lean reader takes integers written as integers only and
    /// leaves the rest to it.
    @Test(arguments: ["1.0", "1e0", "1E0", "10e-1", "1.0e0"])
    func anIntegerWrittenAsAFloatIsLeftToCodable(number: String) throws {
        let json = Array(Self.config(user: #"{"uid": "# + number + #", "gid": 0}"#).utf8)
        #expect(ExecSpec(configJSON: json) == nil)
        #expect(try Self.codable(json).process?.user.uid == 1)
    }

    @Test(arguments: ["4294967296", "18446744073709551616", "-1"])
    func aUIDBeyondUInt32IsRefused(number: String) {
        let json = Array(Self.config(user: #"{"uid": "# + number + #", "gid": 0}"#).utf8)
        #expect(ExecSpec(configJSON: json) == nil)
        #expect(throws: (any Error).self) { try Self.codable(json) }
    }

    @Test(arguments: [#"{"args": ["sh"]}"#, #"{"cwd": null}"#, "{}"])
    func cwdMissingOrNullIsRefused(process: String) {
        let json = Array(Self.config(process: process).utf8)
        #expect(ExecSpec(configJSON: json) == nil)
        #expect(throws: (any Error).self) { try Self.codable(json) }
    }

    @Test(arguments: [
        #"{"ociVersion": "1.2.0", "process": {"cwd": "/", "cwd": "/root"}}"#,
        #"{"ociVersion": "1.2.0", "process": {"cwd": "/", "c\u0077d": "/root"}}"#,
        #"{"ociVersion": "1.2.0", "process": {"cwd": "/"}, "process": {"cwd": "/root"}}"#,
        #"{"ociVersion": "1.2.0", "process": {"cwd": "/", "user": {"uid": 0, "gid": 0, "uid": 1000}}}"#,
        #"{"ociVersion": "1.2.0", "process": {"cwd": "/"}, "linux": {"seccomp": null, "seccomp": {"defaultAction": "A"}}}"#,
        #"{"ociVersion": "1.2.0", "ociVersion": "1.0.0", "process": {"cwd": "/"}}"#,
    ])
    func aKeyTwiceIsRefused(json: String) {
        #expect(ExecSpec(configJSON: Array(json.utf8)) == nil)
    }

    @Test(arguments: [
        "", "{", #"{"ociVersion": "1.2.0", "process": {"cwd": "/"}"#, #"{"ociVersion": "1.2.0",}"#,
        #"{"ociVersion": "1.2.0", "process": {"cwd": "/", "args": ["sh",]}}"#,
        #"{"ociVersion": "1.2.0", "process": {"cwd": "/\x"}}"#, #"{"ociVersion": "1.2.0"} trailing"#,
        #"{ociVersion: "1.2.0"}"#,
    ])
    func malformedJSONIsRefused(json: String) {
        #expect(ExecSpec(configJSON: Array(json.utf8)) == nil)
    }

    @Test(arguments: ["[]", #"[{"ociVersion": "1.2.0", "process": {"cwd": "/"}}]"#, "null", #""config""#, "1", "true"])
    func aDocumentThatIsNotAnObjectIsRefused(json: String) {
        #expect(ExecSpec(configJSON: Array(json.utf8)) == nil)
    }
}
