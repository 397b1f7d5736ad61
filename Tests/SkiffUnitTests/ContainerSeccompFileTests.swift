import Foundation
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// The filter `create` keeps for the container's execs (`ContainerSeccompFile`), and the profile an exec
/// then reads without its rules (`LinuxSeccomp.omitsRules`): such a profile must never become a filter
/// or be written back, since either would lose the rules.
struct ContainerSeccompFileTests {
    static let program = SeccompProgram(
        bytes: (0..<48).map { UInt8($0) }, flags: 1 | SeccompCompiler.newListenerFlag,
        skippedSyscalls: ["not_a_syscall", "nor_this"])

    @Test func aKeptProgramReadsBackAsItWasWritten() {
        let file = ContainerSeccompFile.encode(Self.program)
        #expect(ContainerSeccompFile.decode(file) == Self.program)
        var none = Self.program
        none.skippedSyscalls = []
        #expect(ContainerSeccompFile.decode(ContainerSeccompFile.encode(none)) == none)
    }

    @Test func aFileCutShortOrOfAnotherKindIsNoProgram() {
        let file = ContainerSeccompFile.encode(Self.program)
        for cut in [0, 4, 19, 20, file.count - 8, file.count - 1] {
            #expect(ContainerSeccompFile.decode(Array(file.prefix(cut))) == nil, "cut at \(cut)")
        }
        #expect(ContainerSeccompFile.decode(file + [0]) == nil)
        var other = file
        other[0] = UInt8(ascii: "X")
        #expect(ContainerSeccompFile.decode(other) == nil)
        var ragged = Self.program
        ragged.bytes.removeLast()  // not whole instructions
        #expect(ContainerSeccompFile.decode(ContainerSeccompFile.encode(ragged)) == nil)
    }

    @Test func aMissingFileIsNoProgram() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-seccomp-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(ContainerSeccompFile.read(directory: dir) == nil)
        try ContainerSeccompFile.write(Self.program, directory: dir)
        #expect(ContainerSeccompFile.read(directory: dir) == Self.program)
    }

    static let json = """
        {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"], "listenerPath": "/run/a.sock",
         "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
        """

    static func decode(omittingRules: Bool) throws -> LinuxSeccomp {
        try LinuxSeccomp.$omitsRules.withValue(omittingRules) {
            try JSONDecoder().decode(LinuxSeccomp.self, from: Data(json.utf8))
        }
    }

    @Test func aProfileReadWithoutItsRulesKeepsTheRestAndSaysSo() throws {
        let full = try Self.decode(omittingRules: false)
        #expect(!full.rulesOmitted && full.syscalls?.first?.names == ["mkdir"])
        let omitted = try Self.decode(omittingRules: true)
        #expect(omitted.rulesOmitted && omitted.syscalls == nil)
        #expect(omitted.defaultAction == "SCMP_ACT_ALLOW" && omitted.flags == ["SECCOMP_FILTER_FLAG_LOG"])
        #expect(omitted.listenerPath == "/run/a.sock")
        // A profile that has no rules has none to leave out.
        let bare = try LinuxSeccomp.$omitsRules.withValue(true) {
            try JSONDecoder().decode(LinuxSeccomp.self, from: Data(#"{"defaultAction": "SCMP_ACT_ERRNO"}"#.utf8))
        }
        #expect(!bare.rulesOmitted)
    }

    /// Here the omitted rule is the only thing the filter refuses: a filter made without it, or a
    /// config.json written without it, would allow everything.
    @Test func aProfileReadWithoutItsRulesIsNeverCompiledNorWritten() throws {
        let omitted = try Self.decode(omittingRules: true)
        #expect(throws: SeccompError.rulesNotRead) { try SeccompCompiler().compile(omitted) }
        #expect(throws: SeccompError.rulesNotRead) { try SeccompCompiler.compileUncached(omitted) }
        #expect(throws: EncodingError.self) { try JSONEncoder().encode(omitted) }
        // The full profile still writes every field it has.
        let full = try Self.decode(omittingRules: false)
        let again = try JSONDecoder().decode(LinuxSeccomp.self, from: JSONEncoder().encode(full))
        #expect(again == full)
    }
}
