import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// Runs a DeviceFilterProgram the way the kernel does, for the opcodes the generator emits; any other
/// opcode, a jump out of the program or a fall off its end is a test failure.
struct DeviceFilterInterpreter {
    let program: [BPFInstruction]

    func run(type: DeviceRuleSet.NodeType, major: UInt32, minor: UInt32, access: DeviceAccess) throws -> UInt64 {
        let context: [UInt32] = [UInt32(access.rawValue) << 16 | (type == .block ? 1 : 2), major, minor]
        var r = [UInt64](repeating: 0, count: 11)
        var pc = 0
        var steps = 0
        while true {
            try #require(pc >= 0 && pc < program.count, "pc \(pc) left the program")
            steps += 1
            try #require(steps < 10_000, "no exit")
            let i = program[pc]
            let d = Int(i.dst), s = Int(i.src)
            switch i.code {
            case BPFInstruction.loadWord:
                try #require(s == 1 && i.offset % 4 == 0 && i.offset >= 0 && i.offset < 12, "bad load \(i)")
                r[d] = UInt64(context[Int(i.offset) / 4])
            case BPFInstruction.and32: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) & UInt32(bitPattern: i.imm))
            case BPFInstruction.rsh32: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) >> UInt32(i.imm))
            case BPFInstruction.mov32Reg: r[d] = UInt64(UInt32(truncatingIfNeeded: r[s]))
            case BPFInstruction.mov32: r[d] = UInt64(UInt32(bitPattern: i.imm))
            case BPFInstruction.jumpNotEqual:
                if r[d] != UInt64(bitPattern: Int64(i.imm)) { pc += Int(i.offset) }
            case BPFInstruction.jumpEqual:
                if r[d] == UInt64(bitPattern: Int64(i.imm)) { pc += Int(i.offset) }
            case BPFInstruction.exit:
                return r[0]
            default:
                Issue.record("unexpected opcode in \(i)")
                return 99
            }
            pc += 1
        }
    }
}

@Suite("Device rules: in-order emulation, v1 writes, the v2 BPF program")
struct DeviceRuleSetTests {
    typealias Rule = LinuxDeviceCgroup

    static let docker = DeviceRules.resources(for: DockerDefaults.spec(rootfs: "/", args: ["true"]))?.devices ?? []

    @Test func dockerDefaultsFoldToDenyWithExceptions() throws {
        let set = try DeviceRuleSet.emulate(Self.docker)
        #expect(!set.defaultAllow)
        #expect(set.allows(.char, major: 1, minor: 3, access: [.read, .write]))  // /dev/null
        #expect(set.allows(.char, major: 136, minor: 4, access: [.read, .write]))  // /dev/pts/4
        #expect(set.allows(.char, major: 1, minor: 11, access: .mknod))  // mknod of anything
        #expect(!set.allows(.char, major: 1, minor: 11, access: .write))  // /dev/kmsg
        #expect(!set.allows(.char, major: 10, minor: 229, access: .read))  // /dev/fuse
        #expect(!set.allows(.block, major: 8, minor: 0, access: .read))  // a host disk
        #expect(set.v1Writes.first! == ("devices.deny", "a"))
        #expect(set.v1Writes.dropFirst().allSatisfy { $0.file == "devices.allow" })
        #expect(set.v1Writes.map(\.line).contains("c 1:3 rwm"))
        #expect(set.v1Writes.map(\.line).contains("c *:* m"))
    }

    @Test func laterRulesWinInOrder() throws {
        // A deny after allow-all: a deny exception.
        var set = try DeviceRuleSet.emulate([
            Rule(allow: true, access: "rwm"),
            Rule(allow: false, type: "c", major: 1, minor: 11, access: "rw"),
        ])
        #expect(set.defaultAllow)
        #expect(set.exceptions == [.init(.init(type: .char, major: 1, minor: 11), [.read, .write])])
        #expect(set.v1Writes.map { "\($0.file) \($0.line)" } == ["devices.allow a", "devices.deny c 1:11 rw"])
        #expect(!set.allows(.char, major: 1, minor: 11, access: .read))
        #expect(!set.allows(.char, major: 1, minor: 11, access: [.read, .mknod]))
        #expect(set.allows(.char, major: 1, minor: 11, access: .mknod))

        // "a" resets whatever came before.
        set = try DeviceRuleSet.emulate([
            Rule(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
            Rule(allow: false, access: "r"),
        ])
        #expect(set == DeviceRuleSet(defaultAllow: false))

        // A later deny of a wildcard also ends the narrower allows it covers (the kernel would keep c 1:3).
        set = try DeviceRuleSet.emulate([
            Rule(allow: false, access: "rwm"),
            Rule(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
            Rule(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),
            Rule(allow: false, type: "c", major: 1, access: "w"),
        ])
        #expect(set.allows(.char, major: 1, minor: 3, access: .read))
        #expect(!set.allows(.char, major: 1, minor: 3, access: .write))
        #expect(set.allows(.char, major: 5, minor: 0, access: [.read, .write]))

        // Allows of one device merge.
        set = try DeviceRuleSet.emulate([
            Rule(allow: false), Rule(allow: true, type: "b", major: 8, minor: 0, access: "r"),
            Rule(allow: true, type: "b", major: 8, minor: 0, access: "w"),
        ])
        #expect(set.exceptions == [.init(.init(type: .block, major: 8, minor: 0), [.read, .write])])
    }

    @Test func aDenyInsideAWildcardAllowIsRefused() throws {
        // The kernel ignores this deny in silence and /dev/kmsg stays open: refuse, naming the rule.
        let rules = [
            Rule(allow: false, access: "rwm"), Rule(allow: true, type: "c", access: "rwm"),
            Rule(allow: false, type: "c", major: 1, minor: 11, access: "rwm"),
        ]
        #expect {
            try DeviceRuleSet.emulate(rules)
        } throws: { error in
            let text = "\(error)"
            return text.contains("linux.resources.devices[2]") && text.contains("c *:* rwm")
                && text.contains("one by one")
        }
        // Only mknod overlapping is fine: Docker's own "deny c 10:229" under "allow c *:* m".
        #expect(throws: Never.self) { try DeviceRuleSet.emulate(Self.docker) }
    }

    @Test func badRulesNameTheirField() throws {
        #expect(
            throws: CgroupError.invalidValue(
                setting: "linux.resources.devices[1].access", value: "\"rx\"",
                reason: "must be a non-empty combination of r, w and m")
        ) {
            try DeviceRuleSet.emulate([Rule(allow: false), Rule(allow: true, type: "c", major: 1, access: "rx")])
        }
        #expect(throws: CgroupError.self) { try DeviceRuleSet.emulate([Rule(allow: true, type: "p", access: "r")]) }
        #expect(throws: CgroupError.self) {
            try DeviceRuleSet.emulate([Rule(allow: true, type: "c", major: 1 << 40, minor: 1, access: "r")])
        }
    }

    /// The program gives the same answer as the rule set for every access to a spread of devices.
    @Test(arguments: [
        DeviceRuleSetTests.docker,
        [
            Rule(allow: true, access: "rwm"), Rule(allow: false, type: "c", major: 1, minor: 11, access: "w"),
            Rule(allow: false, type: "b", access: "rwm"),
        ],
        [
            Rule(allow: false, access: "rwm"), Rule(allow: true, type: "c", major: 4, access: "r"),
            Rule(allow: true, type: "b", major: 8, minor: 1, access: "rw"),
        ],
        [Rule(allow: false, access: "rwm")],
    ])
    func programMatchesTheRuleSet(rules: [LinuxDeviceCgroup]) throws {
        let set = try DeviceRuleSet.emulate(rules)
        let program = DeviceFilterProgram(set)
        let vm = DeviceFilterInterpreter(program: program.instructions)
        let accesses: [DeviceAccess] = [.read, .write, .mknod, [.read, .write], .all]
        for type in [DeviceRuleSet.NodeType.char, .block] {
            for (major, minor) in [(1, 3), (1, 11), (4, 0), (4, 7), (5, 0), (8, 0), (8, 1), (10, 229), (136, 2)] {
                for access in accesses {
                    let want: UInt64 =
                        set.allows(type, major: UInt32(major), minor: UInt32(minor), access: access) ? 1 : 0
                    let got = try vm.run(type: type, major: UInt32(major), minor: UInt32(minor), access: access)
                    #expect(got == want, "\(type) \(major):\(minor) \(access)\n\(program.listing)")
                }
            }
        }
    }

    @Test func programEncoding() throws {
        let program = DeviceFilterProgram(
            DeviceRuleSet(
                defaultAllow: false,
                exceptions: [
                    .init(.init(type: .char, major: 1, minor: 3), .all)
                ]))
        // Prologue (6), type/major/minor checks (3) + return (2), default return (2).
        #expect(program.instructions.count == 13)
        #expect(program.bytes.count == 13 * 8)
        // r2 = *(u32 *)(r1 + 0): 0x61, dst 2 | src 1 << 4.
        #expect(Array(program.bytes[0..<8]) == [0x61, 0x12, 0, 0, 0, 0, 0, 0])
        // if r2 != 2 goto +4 (past the block's checks and its return).
        #expect(program.instructions[6] == BPFInstruction(code: 0x55, dst: 2, src: 0, offset: 4, imm: 2))
        #expect(Array(program.bytes[48..<56]) == [0x55, 0x02, 4, 0, 2, 0, 0, 0])
        #expect(program.instructions.last == BPFInstruction(code: 0x95, dst: 0, src: 0, offset: 0, imm: 0))
    }
}

/// The kernel's side: the verifier takes the programs, and one attached to a real cgroup2 directory stops
/// a process in it from opening a denied device node.
enum Cgroup2Host {
    /// The cgroup2 mount (the whole hierarchy on v2, the extra mount on hybrid), if any.
    static var mount: String? {
        (try? CgroupLayout.detect())?.unifiedMount
    }
}

@Suite("Device filter in the kernel (root, cgroup2 mounted)", .enabled(if: getuid() == 0 && Cgroup2Host.mount != nil))
struct DeviceFilterKernelTests {
    /// makedev for small numbers (major < 4096, minor < 256).
    static func device(_ major: UInt64, _ minor: UInt64) -> dev_t { dev_t(major << 8 | minor) }

    @Test(arguments: [
        DeviceRuleSetTests.docker,
        [
            LinuxDeviceCgroup(allow: true, access: "rwm"),
            LinuxDeviceCgroup(allow: false, type: "c", major: 1, minor: 11, access: "w"),
        ],
        [LinuxDeviceCgroup(allow: false, access: "rwm")],
    ])
    func verifierAcceptsTheProgram(rules: [LinuxDeviceCgroup]) throws {
        let program = DeviceFilterProgram(try DeviceRuleSet.emulate(rules))
        let fd = try DeviceFilterLoader.load(program)
        #expect(fd >= 0)
        close(fd)
    }

    @Test func verifierRejectionSaysWhy() throws {
        // Reads past the 12-byte context: the verifier must refuse it, and the error carries its log.
        var program = DeviceFilterProgram(DeviceRuleSet(defaultAllow: false))
        program.instructions.insert(
            BPFInstruction(code: BPFInstruction.loadWord, dst: 6, src: 1, offset: 64, imm: 0), at: 0)
        #expect {
            try DeviceFilterLoader.load(program)
        } throws: { error in
            guard case CgroupError.deviceFilterLoad(let code, let log) = error else { return false }
            return code == EACCES && !log.isEmpty
        }
    }

    /// Attach Docker's rules to a fresh cgroup2 directory, move a shell into it, and have it open a node
    /// of /dev/kmsg (denied) and of /dev/null (allowed) made in a temp directory.
    @Test func processInTheCgroupCannotOpenADeniedDevice() throws {
        let mount = try #require(Cgroup2Host.mount)
        let cgroup = mount + "/skiff-test-bpf-\(CgroupTestSupport.randomSuffix())"
        try #require(mkdir(cgroup, 0o755) == 0, "mkdir \(cgroup): \(errnoText(errno))")
        defer { #expect(rmdir(cgroup) == 0, "rmdir \(cgroup): \(errnoText(errno))") }
        let dir = try CgroupTestSupport.makeTempDir("skiff-bpf-nodes")
        defer { CgroupTestSupport.removeTree(dir) }
        try #require(mknod(dir + "/kmsg", S_IFCHR | 0o666, Self.device(1, 11)) == 0)
        try #require(mknod(dir + "/null", S_IFCHR | 0o666, Self.device(1, 3)) == 0)

        func openInCgroup(_ node: String) throws -> (status: Int32, stderr: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            // The shell joins the cgroup, then execs dd, which opens the node (the check is at open).
            process.arguments = ["-c", "echo $$ > \(cgroup)/cgroup.procs && exec dd if=\(node) count=0 status=none"]
            let err = Pipe()
            process.standardError = err
            try process.run()
            process.waitUntilExit()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return (process.terminationStatus, text)
        }

        // Control: before the program is attached, both open.
        #expect(try openInCgroup(dir + "/kmsg").status == 0)

        try DeviceFilterLoader.attach(
            DeviceFilterProgram(try DeviceRuleSet.emulate(DeviceRuleSetTests.docker)),
            toCgroup: cgroup)
        #expect(try DeviceFilterLoader.attachedCount(cgroup: cgroup) == 1)
        let denied = try openInCgroup(dir + "/kmsg")
        #expect(denied.status != 0 && denied.stderr.contains("Operation not permitted"), "\(denied)")
        let allowed = try openInCgroup(dir + "/null")
        #expect(allowed.status == 0, "\(allowed)")
    }
}
