import CSkiff
import SkiffOCI
import Testing

@testable import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

@Suite("Capabilities")
struct CapabilitiesTests {
    @Test(
        "spec and CLI spellings parse to the same capability",
        arguments: [
            ("CAP_CHOWN", 0), ("chown", 0), ("CHOWN", 0), ("cap_chown", 0), ("CAP_SYS_ADMIN", 21),
            ("sys_admin", 21), ("NET_BIND_SERVICE", 10), ("CAP_AUDIT_WRITE", 29), ("CAP_PERFMON", 38),
            ("CAP_BPF", 39), ("CAP_CHECKPOINT_RESTORE", 40),
        ])
    func parse(name: String, number: Int) throws {
        let cap = try Capability.parse(name)
        #expect(cap.rawValue == number)
        #expect(Capability(name: cap.name) == cap)
        #expect(cap.name.hasPrefix("CAP_"))
    }

    @Test("an unknown name is an error that names it")
    func unknownName() {
        #expect(throws: CapabilityError.unknownName("CAP_FLY", set: nil)) { try Capability.parse("CAP_FLY") }
        #expect(Capability(name: "") == nil)
        #expect(Capability(name: "CAP_") == nil)
        do {
            _ = try CapabilitySet(names: ["CAP_CHOWN", "CAP_TELEPORT"], set: "effective")
            Issue.record("expected an error")
        } catch {
            #expect(error == .unknownName("CAP_TELEPORT", set: "effective"))
            #expect(error.description.contains("CAP_TELEPORT"))
            #expect(error.description.contains("process.capabilities.effective"))
        }
    }

    @Test("the table matches <linux/capability.h>")
    func matchesKernelHeader() throws {
        let header = "/usr/include/linux/capability.h"
        guard FileIO.exists(header) else { return }
        let text = try FileIO.readString(header)
        var found = 0
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 3, parts[0] == "#define", parts[1].hasPrefix("CAP_"),
                let number = Int(parts[2])
            else { continue }
            let name = String(parts[1])
            if name == "CAP_LAST_CAP" { continue }
            guard let cap = Capability(name: name) else { continue }
            #expect(cap.rawValue == number, "\(name)")
            found += 1
        }
        #expect(found == Capability.allCases.count)
    }

    @Test("names and numbers round-trip for every capability")
    func roundTrip() {
        for cap in Capability.allCases {
            #expect(Capability(name: cap.name) == cap)
            #expect(Capability(name: cap.shortName.lowercased()) == cap)
        }
        #expect(Capability.allCases.count == 41)
        #expect(CapabilitySet.all.rawValue == (UInt64(1) << 41) - 1)
    }

    @Test("Docker's default set is the well-known mask 0xa80425fb")
    func dockerDefaultMasks() throws {
        let masks = try CapabilityMasks(.uniform(DockerDefaults.capabilities), lastCap: 40)
        #expect(masks.bounding.rawValue == 0xa804_25fb)
        #expect(masks.effective.rawValue == 0xa804_25fb)
        #expect(masks.permitted.rawValue == 0xa804_25fb)
        #expect(masks.inheritable.isEmpty)
        #expect(masks.ambient.isEmpty)
        #expect(masks.bounding.contains(.sysChroot))
        #expect(!masks.bounding.contains(.sysAdmin))
        #expect(masks.bounding.names.count == 14)

        var spawn = cskiff_spawn()
        masks.apply(to: &spawn)
        #expect(spawn.apply_caps == 1)
        #expect(spawn.cap_bounding == 0xa804_25fb)
        #expect(spawn.cap_effective == 0xa804_25fb)
        #expect(spawn.cap_permitted == 0xa804_25fb)
        #expect(spawn.cap_inheritable == 0)
        #expect(spawn.cap_ambient == 0)
        #expect(spawn.last_cap == 40)
    }

    @Test("no capabilities object means no capabilities")
    func nilCapabilities() throws {
        let masks = try CapabilityMasks(nil, lastCap: 40)
        #expect(masks == CapabilityMasks(lastCap: 40))
    }

    @Test("capabilities above the kernel's last one are left out, not an error")
    func aboveLastCap() throws {
        let caps = LinuxCapabilities.uniform(["CAP_CHOWN", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"])
        let masks = try CapabilityMasks(caps, lastCap: 37)
        #expect(masks.bounding == CapabilitySet([.chown]))
        #expect(masks.effective == CapabilitySet([.chown]))
        #expect(CapabilitySet.upTo(lastCap: 37).rawValue == (UInt64(1) << 38) - 1)
        #expect(CapabilitySet.upTo(lastCap: -1).isEmpty)
    }

    @Test("an unknown name in a spec list names the list")
    func unknownInSpec() {
        #expect(throws: CapabilityError.unknownName("CAP_NOPE", set: "bounding")) {
            try CapabilityMasks(LinuxCapabilities(bounding: ["CAP_NOPE"]), lastCap: 40)
        }
    }

    @Test("ambient needs permitted and inheritable; runc's template ambient list is dropped")
    func ambient() throws {
        let names = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        let runcStyle = LinuxCapabilities(bounding: names, effective: names, permitted: names, ambient: names)
        #expect(try CapabilityMasks(runcStyle, lastCap: 40).ambient.isEmpty)

        let full = LinuxCapabilities(
            bounding: names, effective: names, inheritable: names, permitted: names,
            ambient: ["CAP_KILL"])
        #expect(try CapabilityMasks(full, lastCap: 40).ambient == CapabilitySet([.kill]))
    }

    @Test("sets capset(2) would refuse are reported, naming the capabilities")
    func inconsistentSets() {
        #expect(throws: CapabilityError.effectiveNotPermitted(["CAP_KILL"])) {
            try CapabilityMasks(LinuxCapabilities(bounding: ["CAP_KILL"], effective: ["CAP_KILL"]), lastCap: 40)
        }
        #expect(throws: CapabilityError.inheritableNotBounded(["CAP_SYS_ADMIN"])) {
            try CapabilityMasks(LinuxCapabilities(inheritable: ["CAP_SYS_ADMIN"]), lastCap: 40)
        }
    }

    @Test("the running kernel's last capability is read from procfs")
    func runningKernel() throws {
        let last = try KernelCapabilities.lastCap()
        let text = try FileIO.readString(KernelCapabilities.lastCapPath)
        #expect(Int(text.filter { !$0.isWhitespace }) == last)
        #expect(last >= 36)
        let masks = try CapabilityMasks.forRunningKernel(.uniform(["CAP_CHOWN"]))
        #expect(masks.lastCap == last)
        #expect(masks.bounding == CapabilitySet([.chown]))
    }
}
