import SkiffOCI
import Testing

@testable import SkiffKit

/// `--device` / compose `devices:` as Docker parses them, and the spec entries they become.
@Suite("device mappings")
struct DevicePlanTests {
    @Test(arguments: [
        ("/dev/zero", "/dev/zero", "/dev/zero", "rwm"),
        ("/dev/zero:r", "/dev/zero", "/dev/zero", "r"),
        ("/dev/zero:/dev/myzero", "/dev/zero", "/dev/myzero", "rwm"),
        ("/dev/sdb:/dev/xvdb:rw", "/dev/sdb", "/dev/xvdb", "rw"),
        ("/dev/zero:/dev/sub/../z2", "/dev/zero", "/dev/z2", "rwm"),
    ])
    func dockerShortSyntax(text: String, host: String, container: String, permissions: String) throws {
        let m = try DeviceMapping(parsing: text, origin: "--device")
        #expect(m == DeviceMapping(hostPath: host, containerPath: container, permissions: permissions))
    }

    @Test(arguments: [
        "dev/zero", "/dev/zero:rel", "/dev/zero:/x:rx", "/dev/zero:/x:rr", "", "/a:/b:r:w", "/dev/zero:/",
    ])
    func badMappingsAreRefused(text: String) {
        #expect(throws: KitError.self) { try DeviceMapping(parsing: text, origin: "--device") }
    }

    static let zero = HostDeviceNode(kind: .char, major: 1, minor: 5, mode: 0o666, uid: 0, gid: 0)
    static let sda = HostDeviceNode(kind: .block, major: 8, minor: 0, mode: 0o660, uid: 0, gid: 6)

    static func host(_ path: String) -> HostDeviceEntry {
        switch path {
        case "/dev/zero": return .device(zero)
        case "/dev/disks": return .directory(["sda", "by-id", "README"])
        case "/dev/disks/sda": return .device(sda)
        case "/dev/disks/by-id": return .directory(["z"])
        case "/dev/disks/by-id/z": return .device(zero)
        case "/dev/disks/README", "/etc/passwd": return .other
        default: return .missing
        }
    }

    @Test func aNodeBecomesADeviceAndAnAllowRuleWithItsPermissions() throws {
        let plan = try DevicePlan.plan(
            [DeviceMapping(hostPath: "/dev/zero", containerPath: "/dev/myzero", permissions: "r")],
            origin: "device", lookup: Self.host)
        #expect(
            plan.devices == [
                LinuxDevice(path: "/dev/myzero", type: "c", major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0)
            ])
        #expect(plan.rules == [LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 5, access: "r")])
    }

    @Test func aDirectoryGivesEveryDeviceBelowIt() throws {
        let plan = try DevicePlan.plan(
            [DeviceMapping(hostPath: "/dev/disks", containerPath: "/dev/d")], origin: "device",
            lookup: Self.host)
        #expect(Set(plan.devices.map(\.path)) == ["/dev/d/sda", "/dev/d/by-id/z"])
        #expect(plan.rules.count == 2)
    }

    @Test func aMissingPathOrAFileIsAnErrorNamingIt() {
        #expect(throws: KitError.self) {
            try DevicePlan.plan(
                [DeviceMapping(hostPath: "/dev/nope", containerPath: "/dev/nope")], origin: "device", lookup: Self.host)
        }
        #expect(throws: KitError.self) {
            try DevicePlan.plan(
                [DeviceMapping(hostPath: "/etc/passwd", containerPath: "/dev/p")], origin: "device", lookup: Self.host)
        }
    }

    @Test func applyingKeepsTheDefaultDenyFirst() throws {
        var spec = Spec()
        spec.linux = Linux(resources: LinuxResources(devices: [LinuxDeviceCgroup(allow: false, access: "rwm")]))
        let plan = try DevicePlan.plan(
            [DeviceMapping(hostPath: "/dev/zero", containerPath: "/dev/z")], origin: "device", lookup: Self.host)
        DevicePlan.apply(plan, to: &spec)
        #expect(spec.linux?.resources?.devices?.first == LinuxDeviceCgroup(allow: false, access: "rwm"))
        #expect(spec.linux?.resources?.devices?.last?.allow == true)
        #expect(spec.linux?.devices?.map(\.path) == ["/dev/z"])
    }

    @Test func deviceCgroupRules() throws {
        #expect(
            try DeviceCgroupRule.parse("c 1:3 mr")
                == LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "mr"))
        #expect(
            try DeviceCgroupRule.parse("b 8:* rwm")
                == LinuxDeviceCgroup(allow: true, type: "b", major: 8, minor: nil, access: "rwm"))
        for bad in ["c 1:3", "x 1:3 r", "c 1-3 r", "c a:3 r", "c 1:3 rx"] {
            #expect(throws: KitError.self) { try DeviceCgroupRule.parse(bad) }
        }
    }

    @Test func groupAddTakesNumbersAndNamesFromTheImage() throws {
        let group = "root:x:0:\naudio:x:29:\nvideo:x:44:alice\n"
        #expect(try UserResolver.groupIDs(["audio", "1234", "video"], group: group, image: "img") == [29, 1234, 44])
        #expect(throws: KitError.self) { try UserResolver.groupIDs(["nogroup"], group: group, image: "img") }
    }
}
