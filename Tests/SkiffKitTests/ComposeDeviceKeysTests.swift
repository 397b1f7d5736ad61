import Foundation
import SkiffKit
import SkiffSystem
import Testing

/// Compose's `devices` (short and long syntax), `group_add`, `volumes_from` (a service, `:ro`) and the
/// bridge's `enable_icc` are carried out on the running containers, as Docker Compose does.
@Suite(
    "Compose devices, group_add, volumes_from", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ComposeDeviceKeysTests {
    typealias Project = ComposeEndToEndTests.Project

    @Test func devicesGroupsAndVolumesFromAreCarriedOut() throws {
        let scratch = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-compat-cdev-")
        defer { FileIO.removeTree(scratch) }
        let backing = scratch + "/disk.img"
        try Data(("compose-device-bytes" + String(repeating: "\0", count: 4096 - 20)).utf8).write(
            to: URL(fileURLWithPath: backing))
        let loop = try #require(LoopDevice(file: backing))
        defer { loop.detach() }
        let p = try Project(
            """
            name: cmpdev
            services:
              data:
                image: busybox
                command: ["sh", "-c", "echo from-data > /shared/f && exec sleep 1000"]
                stop_grace_period: 1s
                volumes: ["shared:/shared"]
              app:
                image: busybox
                command: ["sleep", "1000"]
                stop_grace_period: 1s
                user: "1000:1000"
                volumes_from: ["data:ro"]
                group_add: [tty, 4321]
                devices:
                  - "\(loop.path):/dev/xvdb:r"
                  - source: \(loop.path)
                    target: /dev/xvdc
            volumes:
              shared:
            networks:
              default:
                driver_opts:
                  com.docker.network.bridge.enable_icc: "false"
            """)
        defer { p.cleanUp() }
        let config = p.compose("config")
        #expect(config.status == 0, "\(config.err)")
        #expect(
            config.out.contains("volumes_from:") && config.out.contains("group_add:")
                && config.out.contains("/dev/xvdc"),
            "\(config.out)")
        let up = p.compose("up", "-d")
        try #require(up.status == 0, "\(up.err)")
        // volumes_from: data's volume, read-only here.
        var shared = ""
        #expect(
            ComposeDeviceKeysTests.eventually {
                shared = p.compose("exec", "-T", "app", "cat", "/shared/f").out; return shared == "from-data\n"
            },
            "\(shared)")
        let write = p.compose("exec", "-T", "app", "sh", "-c", "echo x > /shared/g")
        #expect(write.status != 0 && write.err.contains("Read-only file system"), "\(write.err)")
        // group_add: the named group and the number, beside the user's own group (among the supplementary
        // ones, as Docker has it; the kernel lists them sorted).
        let groups = p.compose("exec", "-T", "app", "grep", "^Groups:", "/proc/self/status").out
        let groupIDs: [String] = groups.split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "\n" }).dropFirst().map
        { String($0) }
        #expect(groupIDs == ["5", "1000", "4321"], "\(groups)")
        // devices: both forms, readable through the cgroup.
        for dev in ["/dev/xvdb", "/dev/xvdc"] {
            let r = p.compose("exec", "-T", "-u", "0", "app", "head", "-c", "20", dev)
            #expect(r.out == "compose-device-bytes", "\(dev): \(r.out) \(r.err)")
        }
        let net = p.engine.networks.all().first { $0.name == "cmpdev_default" }
        #expect(net?.bridgeOptions?.interContainer == false)
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down", "-v").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func badEntriesNameTheirPath() throws {
        let p = try Project(
            """
            name: cmpbad
            services:
              app:
                image: busybox
                volumes_from: ["nosuchservice"]
            """)
        defer { p.cleanUp() }
        var r = p.compose("config")
        #expect(
            r.status != 0 && r.err.contains("services.app.volumes_from[0]") && r.err.contains("nosuchservice"),
            "\(r.err)")
        try """
        services:
          app:
            image: busybox
            devices: ["/dev/zero:relative"]
        """.write(toFile: p.dir + "/compose.yaml", atomically: true, encoding: .utf8)
        r = p.compose("config")
        #expect(r.status != 0 && r.err.contains("services.app.devices[0]"), "\(r.err)")
    }

    static func eventually(_ timeout: Double = 20, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }
}
