import Foundation
import SkiffKit
import Testing

/// The local volume driver's options (`volume create -o type=… -o device=… -o o=…`, compose's
/// `driver_opts`): checked as Docker checks them, and turned into what a container mounts.
@Suite("Local volume driver options")
struct LocalVolumeOptionsTests {
    @Test func optionsBecomeTheMountDockerMakes() throws {
        #expect(try LocalVolumeOptions([:], origin: "o").mount == .data)
        let bind = try LocalVolumeOptions(["type": "none", "o": "bind", "device": "/srv/data"], origin: "o")
        #expect(bind.mount == .hostDirectory("/srv/data"))
        let tmpfs = try LocalVolumeOptions(["type": "tmpfs", "device": "tmpfs", "o": "size=1m, uid=1000"], origin: "o")
        #expect(tmpfs.mount == .filesystem(type: "tmpfs", device: "tmpfs", options: ["size=1m", "uid=1000"]))
        let nfs = try LocalVolumeOptions(["type": "nfs", "device": ":/export", "o": "addr=10.0.0.9,rw"], origin: "o")
        #expect(nfs.mount == .filesystem(type: "nfs", device: ":/export", options: ["addr=10.0.0.9", "rw"]))
    }

    @Test(arguments: [
        (["foo": "bar"], "-o: invalid option key: \"foo\""),
        (["type": "none", "o": "bind"], "-o: missing required option: \"device\""),
        (["device": "/srv"], "-o: missing required option: \"type\""),
        (["type": "none", "o": "bind", "device": "data"], "must be an absolute host path"),
        (["size": "10G"], "quota size requested but no quota support"),
    ])
    func badOptionsAreRefusedNamingThem(options: [String: String], expected: String) {
        do {
            _ = try LocalVolumeOptions(options, origin: "-o")
            Issue.record("accepted \(options)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    /// Compose resolves a bind volume's relative device against the project directory, and `config`
    /// writes the options back.
    @Test func composeDriverOptsLoad() throws {
        let p = try ComposeParserTests.load(
            """
            services:
              db: {image: busybox, volumes: ["data:/var/lib/db"]}
            volumes:
              data:
                driver: local
                driver_opts: {type: none, o: bind, device: ./pgdata}
              scratch:
                driver_opts: {type: tmpfs, device: tmpfs, o: "size=100m"}
            """)
        let data = try #require(p.volume("data"))
        #expect(data.driverOptions["device"]?.hasSuffix("/pgdata") == true)
        #expect(data.driverOptions["device"]?.hasPrefix("/") == true)
        #expect(p.volume("scratch")?.driverOptions == ["type": "tmpfs", "device": "tmpfs", "o": "size=100m"])
        #expect(p.yaml().contains("driver_opts:"))
        let bad = ComposeParserTests.error(
            "services:\n  db: {image: busybox}\nvolumes:\n  data:\n    driver_opts: {type: none, o: bind, devise: /x}\n"
        )
        #expect(bad.contains("volumes.data.driver_opts") && bad.contains("invalid option key: \"devise\""), "\(bad)")
    }
}

/// The same options end to end, through the built CLI (root).
@Suite(
    "Local volume driver options end to end",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct LocalVolumeOptionsEndToEndTests {
    /// A bind volume is the host directory: what the container writes is there, the image's content is
    /// copied up into it while it is empty, and removing the volume leaves the directory alone.
    @Test func bindVolumeIsTheHostDirectory() throws {
        let root = try VolumeTests.Root()
        defer { root.cleanUp() }
        let host = root.path + "/host-data"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        let made = root.skiff("volume", "create", "-o", "type=none", "-o", "o=bind", "-o", "device=" + host, "hostdata")
        #expect(made.status == 0, "\(made.err)")
        let run = root.skiff("run", "--rm", "-v", "hostdata:/etc", "busybox", "sh", "-c", "echo saved > /etc/mine")
        #expect(run.status == 0, "\(run.err)")
        #expect((try? String(contentsOfFile: host + "/mine", encoding: .utf8)) == "saved\n")
        // Copy-up: busybox's /etc (passwd) landed in the empty host directory first.
        #expect(FileManager.default.fileExists(atPath: host + "/passwd"))
        let inspect = root.skiff("volume", "inspect", "hostdata")
        #expect(inspect.out.contains("\"device\"") && inspect.out.contains(host))
        #expect(root.skiff("volume", "rm", "hostdata").status == 0)
        #expect(FileManager.default.fileExists(atPath: host + "/mine"))

        let missing = root.skiff(
            "volume", "create", "-o", "type=none", "-o", "o=bind", "-o", "device=" + root.path + "/nowhere", "gone")
        #expect(missing.status == 0, "\(missing.err)")
        let refused = root.skiff("run", "--rm", "-v", "gone:/x", "busybox", "true")
        #expect(refused.status == 125 && refused.err.contains("no such file or directory"), "\(refused.err)")
        #expect(root.skiff("ps", "-aq").out.isEmpty)
    }

    /// A filesystem volume is mounted in the container with its options, and nothing stays mounted on
    /// the host afterwards.
    @Test func tmpfsVolumeIsMountedWithItsOptions() throws {
        let root = try VolumeTests.Root()
        defer { root.cleanUp() }
        let made = root.skiff(
            "volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=1m,uid=1000", "scratch"
        )
        #expect(made.status == 0, "\(made.err)")
        let run = root.skiff(
            "run", "--rm", "-v", "scratch:/scratch", "busybox", "sh", "-c",
            "grep ' /scratch ' /proc/mounts; stat -c %u /scratch")
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("tmpfs /scratch tmpfs") && run.out.contains("size=1024k"), "\(run.out)")
        #expect(run.out.hasSuffix("1000\n"), "\(run.out)")
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        #expect(!mounts.contains(root.path), "a mount under the state root was left")
        let bad = root.skiff("volume", "create", "-o", "color=blue", "x1")
        #expect(bad.status != 0 && bad.err.contains("invalid option key: \"color\""), "\(bad.err)")
        #expect(!root.volumeNames().contains("x1"))
    }
}
