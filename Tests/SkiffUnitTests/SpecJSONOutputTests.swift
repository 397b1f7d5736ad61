import Foundation
import SkiffOCI
import SkiffSystem
import Testing

@testable import SkiffRuntime

/// config.json is written without Codable (`JSONOutput`, `Spec+JSONOutput.swift`). `JSONEncoder` with
/// `SpecFile`'s old settings is the oracle: every test compares the two outputs byte for byte, on a spec
/// that sets every field (checked by reflection, so a field added to a spec type fails here until it is
/// written), on sparse and empty parts, and on strings and keys of every kind.
@Suite("Spec JSON output")
struct SpecJSONOutputTests {
    static func encoded(_ spec: Spec) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(spec))
    }

    static func expectSameBytes(_ spec: Spec, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let written = JSONOutput.bytes(of: spec)
        let expected = try encoded(spec)
        if written != expected {
            let at =
                zip(written, expected).enumerated().first { $1.0 != $1.1 }?.offset ?? min(written.count, expected.count)
            Issue.record(
                """
                JSONOutput differs from JSONEncoder at byte \(at):
                written:  \(String(decoding: written[max(0, at - 80)..<min(written.count, at + 40)], as: UTF8.self))
                expected: \(String(decoding: expected[max(0, at - 80)..<min(expected.count, at + 40)], as: UTF8.self))
                """, sourceLocation: sourceLocation)
        }
    }

    /// A spec in which every optional field of every type is set and every list and map has an entry.
    static var fullSpec: Spec {
        var spec = ExecSpecJSONTests.fullSpec()
        spec.domainname = "example.org"
        spec.mounts = [
            Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
            Mount(destination: "/data dir/\u{E9}", type: "bind", source: "/srv/data", options: ["rbind", "ro"]),
        ]
        var hooks = Hooks()
        let hook = Hook(path: "/usr/bin/hook", args: ["hook", "--stage"], env: ["A=1"], timeout: 30)
        hooks.prestart = [hook]
        hooks.createRuntime = [hook, Hook(path: "/bin/true", args: [], env: [], timeout: 0)]
        hooks.createContainer = [hook]
        hooks.startContainer = [hook]
        hooks.poststart = [hook]
        hooks.poststop = [hook]
        spec.hooks = hooks
        spec.annotations = ["b": "2", "a": "1", "A": "0", "a10": "x", "a2": "y", "\u{E9}": "z", "_": "u"]
        var linux = spec.linux ?? Linux()
        linux.devices = [
            LinuxDevice(path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0)
        ]
        linux.cgroupsPath = "/skiff/abc"
        linux.rootfsPropagation = "rslave"
        linux.sysctl = ["net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"]
        linux.mountLabel = "system_u:object_r:container_file_t:s0"
        linux.resources = LinuxResources(
            devices: [
                LinuxDeviceCgroup(allow: false, access: "rwm"),
                LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rw"),
            ],
            memory: LinuxMemory(
                limit: 1 << 30, reservation: 1 << 29, swap: -1, swappiness: 60, disableOOMKiller: false,
                kernelTCP: Int64.min),
            cpu: LinuxCPU(
                shares: 1024, quota: -1, period: 100_000, cpus: "0-1", mems: "0", realtimeRuntime: 950_000,
                realtimePeriod: 1_000_000),
            pids: LinuxPids(limit: Int64.max),
            hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 0)],
            network: LinuxNetwork(classID: 0x10_0001, priorities: [LinuxInterfacePriority(name: "eth0", priority: 5)]),
            unified: ["memory.high": "1G", "io.weight": "default 100"],
            blockIO: LinuxBlockIO(
                weight: 500, leafWeight: 300,
                weightDevice: [LinuxWeightDevice(major: 8, minor: 0, weight: 200, leafWeight: 100)],
                throttleReadBpsDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 1_048_576)],
                throttleWriteBpsDevice: [LinuxThrottleDevice(major: 8, minor: 16, rate: UInt64.max)],
                throttleReadIOPSDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 100)],
                throttleWriteIOPSDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 0)]))
        spec.linux = linux
        return spec
    }

    /// The fields (`spec.linux.devices[].major`) that are nil, or an empty list or map, everywhere in
    /// `value`: a field of a list's elements counts as set when one element sets it.
    static func unset(in value: Any) -> [String] {
        var seen: [String] = []
        var set: Set<String> = []
        func visit(_ value: Any, _ path: String) {
            if !seen.contains(path) { seen.append(path) }
            let mirror = Mirror(reflecting: value)
            switch mirror.displayStyle {
            case .optional:
                if let wrapped = mirror.children.first { visit(wrapped.value, path) }
            case .collection:
                if !mirror.children.isEmpty { set.insert(path) }
                for element in mirror.children { visit(element.value, path + "[]") }
            case .dictionary:
                if !mirror.children.isEmpty { set.insert(path) }
            case .struct:
                set.insert(path)
                for child in mirror.children { visit(child.value, path + "." + (child.label ?? "?")) }
            default:
                set.insert(path)
            }
        }
        visit(value, "spec")
        return seen.filter { !set.contains($0) }
    }

    // MARK: Every field

    /// Every field is written, in the encoder's order. A field added to any spec type is nil here until
    /// the fixture sets it, and the second expectation fails until `Spec+JSONOutput.swift` writes it.
    @Test func everyFieldIsWrittenAsJSONEncoderWritesIt() throws {
        let spec = Self.fullSpec
        // Lists an empty capability set on purpose (the encoder writes `[` blank line `]`).
        #expect(Self.unset(in: spec) == ["spec.process.capabilities.ambient"])
        try Self.expectSameBytes(spec)
        let decoded = try JSONDecoder().decode(Spec.self, from: Data(JSONOutput.bytes(of: spec)))
        #expect(decoded == spec)
    }

    @Test func theReflectionCheckFindsWhatIsUnset() {
        var spec = Self.fullSpec
        spec.linux?.resources?.cpu?.mems = nil
        spec.mounts?[1].options = []
        #expect(
            Self.unset(in: spec) == ["spec.process.capabilities.ambient", "spec.linux.resources.cpu.mems"])
        spec.mounts?[0].options = nil
        #expect(Self.unset(in: spec).contains("spec.mounts[].options"))
    }

    // MARK: Specs this project writes

    @Test(arguments: [false, true])
    func dockerDefaults(terminal: Bool) throws {
        try Self.expectSameBytes(
            DockerDefaults.spec(
                rootfs: "/var/lib/skiff/c1/rootfs", args: ["nginx", "-g", "daemon off;"], terminal: terminal,
                hostname: "web"))
    }

    @Test(arguments: [false, true])
    func runcTemplate(cgroupV2: Bool) throws {
        try Self.expectSameBytes(RuncSpecTemplate.spec(cgroupV2: cgroupV2))
    }

    // MARK: Sparse and empty parts

    @Test func onlyTheVersion() throws {
        try Self.expectSameBytes(Spec())
    }

    @Test func emptyObjectsListsAndMaps() throws {
        var spec = Spec(
            process: Process(args: [], env: [], capabilities: LinuxCapabilities(), rlimits: []), root: Root(path: ""),
            mounts: [], hooks: Hooks(), annotations: [:],
            linux: Linux(
                namespaces: [], devices: [], resources: LinuxResources(memory: LinuxMemory(), unified: [:]),
                seccomp: LinuxSeccomp(defaultAction: "", syscalls: [LinuxSyscall(names: [], action: "")]),
                sysctl: [:]))
        try Self.expectSameBytes(spec)
        spec.linux = Linux()
        spec.process = nil
        try Self.expectSameBytes(spec)
    }

    // MARK: Strings, keys and numbers

    @Test func everyASCIICharacterInValuesAndKeys() throws {
        let ascii = String(decoding: (0..<128).map { UInt8($0) }, as: UTF8.self)
        let spec = Spec(
            process: Process(args: [ascii, "", "/", "\\/"], cwd: ascii), hostname: ascii,
            annotations: [ascii: ascii, "\u{0}": "nul", "\u{7F}": "del", "\"": "quote", "\\": "backslash"])
        try Self.expectSameBytes(spec)
    }

    @Test func unicodeAndItsSortOrder() throws {
        let spec = Spec(
            process: Process(
                args: ["h\u{E9}llo", "\u{65E5}\u{672C}", "\u{1F600}\u{1F44D}\u{1F3FD}", "\u{2028}\u{2029}", "e\u{301}"]
            ),
            annotations: [
                // Swift's String takes "e\u{301}" for "\u{E9}" and "\u{212A}" for "K": one of each pair.
                "\u{E9}": "1", "\u{301}e": "2", "\u{1F600}": "3", "\u{FFFF}": "4", "z": "5", "Z": "6", "\u{212A}": "7",
                "k": "8",
            ])
        try Self.expectSameBytes(spec)
    }

    @Test func seededRandomStrings() throws {
        var rng = JSONViewTests.SplitMix64(seed: 0x5EED_0FC0_FFEE)
        let pools: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x7FF, 0x800...0xFFFF, 0x1_0000...0x10_FFFF]
        func random() -> String {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...12, using: &rng) {
                let pool = pools[Int.random(in: 0..<pools.count, using: &rng)]
                if let scalar = Unicode.Scalar(UInt32.random(in: pool, using: &rng)) { s.append(scalar) }
            }
            return String(s)
        }
        for _ in 0..<200 {
            var annotations: [String: String] = [:]
            for _ in 0..<4 { annotations[random()] = random() }
            try Self.expectSameBytes(
                Spec(
                    process: Process(args: [random(), random()], env: [random()], cwd: random()),
                    annotations: annotations))
        }
    }

    @Test func integersAtTheirLimits() throws {
        var spec = Self.fullSpec
        spec.process?.oomScoreAdj = Int.min
        spec.process?.user = User(uid: 0, gid: UInt32.max, umask: 0, additionalGids: [UInt32.max, 0])
        spec.linux?.resources?.memory = LinuxMemory(
            limit: Int64.max, reservation: 0, swap: Int64.min, swappiness: UInt64.max)
        spec.linux?.devices = [LinuxDevice(path: "/dev/x", type: "b", major: Int64.min, minor: -1)]
        spec.linux?.seccomp?.syscalls = [
            LinuxSyscall(
                names: ["x"], action: "SCMP_ACT_ERRNO", errnoRet: UInt32.max,
                args: [LinuxSeccompArg(index: 5, value: 0, valueTwo: UInt64.max, op: "SCMP_CMP_NE")])
        ]
        try Self.expectSameBytes(spec)
    }

    // MARK: SpecFile

    @Test func specFileWritesTheBytesAndReadsThemBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-spec-output-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try SpecFile.write(Self.fullSpec, bundle: dir)
        #expect(
            Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) == (try Self.encoded(Self.fullSpec))
        )
        #expect(try SpecFile.load(bundle: dir) == Self.fullSpec)
    }

    /// A spec decoded without its seccomp rules would lose them if written: refused, and nothing is written.
    @Test func aSpecReadWithoutItsRulesIsNotWritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-spec-omitted-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var spec = Self.fullSpec
        spec.linux?.seccomp?.syscalls = nil
        spec.linux?.seccomp?.rulesOmitted = true
        #expect(throws: RuntimeError.self) { try SpecFile.write(spec, bundle: dir) }
        #expect(!FileManager.default.fileExists(atPath: dir + "/config.json"))
        #expect(throws: EncodingError.self) { try Self.encoded(spec) }
    }
}
