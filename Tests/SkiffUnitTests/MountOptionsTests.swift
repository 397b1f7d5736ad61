import Testing

@testable import SkiffRuntime

/// Every option runc and Docker write in `mounts[].options`, split into flags, cleared flags,
/// propagation and filesystem data.
@Suite("Mount options")
struct MountOptionsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var option: String
        var flags: UInt = 0
        var cleared: UInt = 0
        var propagation: UInt = 0
        var data: [String] = []
        var testDescription: String { option }
    }

    static let cases: [Case] = [
        Case(option: "ro", flags: MS.rdonly), Case(option: "rw", cleared: MS.rdonly),
        Case(option: "nosuid", flags: MS.nosuid), Case(option: "suid", cleared: MS.nosuid),
        Case(option: "nodev", flags: MS.nodev), Case(option: "dev", cleared: MS.nodev),
        Case(option: "noexec", flags: MS.noexec), Case(option: "exec", cleared: MS.noexec),
        Case(option: "sync", flags: MS.sync), Case(option: "async", cleared: MS.sync),
        Case(option: "dirsync", flags: MS.dirsync),
        Case(option: "remount", flags: MS.remount),
        Case(option: "mand", flags: MS.mand), Case(option: "nomand", cleared: MS.mand),
        Case(option: "noatime", flags: MS.noatime), Case(option: "atime", cleared: MS.noatime),
        Case(option: "nodiratime", flags: MS.nodiratime), Case(option: "diratime", cleared: MS.nodiratime),
        Case(option: "relatime", flags: MS.relatime), Case(option: "norelatime", cleared: MS.relatime),
        Case(option: "strictatime", flags: MS.strictatime), Case(option: "nostrictatime", cleared: MS.strictatime),
        Case(option: "bind", flags: MS.bind), Case(option: "rbind", flags: MS.bind | MS.rec),
        Case(option: "private", propagation: MS.private), Case(option: "rprivate", propagation: MS.private | MS.rec),
        Case(option: "shared", propagation: MS.shared), Case(option: "rshared", propagation: MS.shared | MS.rec),
        Case(option: "slave", propagation: MS.slave), Case(option: "rslave", propagation: MS.slave | MS.rec),
        Case(option: "unbindable", propagation: MS.unbindable),
        Case(option: "runbindable", propagation: MS.unbindable | MS.rec),
        Case(option: "mode=1777", data: ["mode=1777"]), Case(option: "size=65536k", data: ["size=65536k"]),
        Case(option: "newinstance", data: ["newinstance"]), Case(option: "ptmxmode=0666", data: ["ptmxmode=0666"]),
        Case(option: "gid=5", data: ["gid=5"]),
    ]

    @Test(arguments: cases)
    func option(_ c: Case) {
        let parsed = MountOptions([c.option])
        #expect(parsed.flags == c.flags)
        #expect(parsed.cleared == c.cleared)
        #expect(parsed.propagation == c.propagation)
        #expect(parsed.data == c.data)
    }

    @Test func laterOptionsWin() {
        #expect(MountOptions(["ro", "rw"]).flags == 0)
        #expect(MountOptions(["rw", "ro"]).flags == MS.rdonly)
        #expect(MountOptions(["shared", "rprivate"]).propagation == MS.private | MS.rec)
    }

    @Test func bindMountsRemountForTheirOtherFlags() {
        let o = MountOptions(["rbind", "ro", "nosuid", "nodev", "rslave"])
        #expect(o.isBind && o.isRecursive)
        #expect(o.bindRemountFlags == MS.rdonly | MS.nosuid | MS.nodev)
        #expect(o.propagation == MS.slave | MS.rec)
        #expect(!MountOptions(["ro"]).isBind)
    }

    @Test func dataKeepsItsOrder() {
        #expect(MountOptions(["nosuid", "mode=755", "ro", "size=64m"]).dataString == "mode=755,size=64m")
        #expect(MountOptions(["ro"]).dataString == nil)
    }

    @Test(arguments: [
        (String?.none, MS.slave | MS.rec), ("", MS.slave | MS.rec), ("private", MS.private | MS.rec),
        ("rshared", MS.shared | MS.rec), ("slave", MS.slave | MS.rec),
        // A bind from an unbindable mount is refused: the host side stays rslave, the container's root gets it.
        ("unbindable", MS.slave | MS.rec),
    ])
    func rootPropagation(_ value: String?, _ flags: UInt) throws {
        #expect(try MountOptions.rootPropagation(value) == flags)
    }

    /// The container's own "/" gets the spec's value exactly, after pivot_root (runc and crun).
    @Test(arguments: [
        (String?.none, UInt(0)), ("shared", MS.shared), ("rshared", MS.shared | MS.rec),
        ("unbindable", MS.unbindable), ("runbindable", MS.unbindable | MS.rec), ("rslave", MS.slave | MS.rec),
    ])
    func rootPropagationAfterPivot(_ value: String?, _ flags: UInt) throws {
        #expect(try MountOptions.rootPropagationAfterPivot(value) == flags)
    }

    /// runc's recursive options become mount_setattr attributes (MOUNT_ATTR_*), never filesystem data.
    @Test(arguments: [
        (["rro"], UInt32(0x1), UInt32(0)), (["rro", "rrw"], UInt32(0), UInt32(0x1)),
        (["rnosuid", "rnodev", "rnoexec"], UInt32(0xe), UInt32(0)),
        (["rsuid", "rdev", "rexec"], UInt32(0), UInt32(0xe)),
        (["rnoatime"], UInt32(0x10), UInt32(0x70)), (["rstrictatime"], UInt32(0x20), UInt32(0x70)),
        (["rnoatime", "rrelatime"], UInt32(0), UInt32(0x70)), (["ratime"], UInt32(0), UInt32(0x70)),
        (["rnodiratime"], UInt32(0x80), UInt32(0)), (["rdiratime"], UInt32(0), UInt32(0x80)),
    ])
    func recursiveAttributes(_ options: [String], _ set: UInt32, _ clear: UInt32) {
        let o = MountOptions(options + ["size=1m"])
        #expect(o.recursiveAttrSet == set && o.recursiveAttrClear == clear, "\(options)")
        #expect(o.data == ["size=1m"] && o.flags == 0)
    }

    @Test func unknownRootPropagationNamesTheField() {
        #expect(
            throws: SpecError.invalid(field: "linux.rootfsPropagation", reason: "unknown propagation \"everywhere\"")
        ) {
            try MountOptions.rootPropagation("everywhere")
        }
    }
}
