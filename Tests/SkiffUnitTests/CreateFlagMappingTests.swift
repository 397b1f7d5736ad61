import Foundation
import SkiffKit
import SkiffOCI
import Testing

/// Docker's create flags that Skiff's run/create took over from compose's engine fields (issue 14):
/// each flag's text → RunOptions, and each bad value refused with the flag named.
@Suite("run/create flags → RunOptions")
struct CreateFlagMappingTests {
    static func mapped(memory: Int64? = nil, _ set: (inout CreateFlagValues) -> Void) throws(KitError) -> RunOptions {
        var flags = CreateFlagValues()
        set(&flags)
        var o = RunOptions()
        o.memory = memory
        try flags.apply(to: &o)
        return o
    }

    static func refusal(memory: Int64? = nil, _ set: (inout CreateFlagValues) -> Void) -> String {
        do {
            _ = try mapped(memory: memory, set)
            return "(accepted)"
        } catch { return error.description }
    }

    @Test func everyFlagLandsOnItsEngineField() throws {
        let o = try Self.mapped(memory: 64 << 20) {
            $0.ulimit = ["nofile=1024:2048", "core=-1", "nproc=50"]
            $0.cpuShares = "512"
            $0.cpusetCpus = "0"
            $0.cpusetMems = "0"
            $0.shmSize = "128m"
            $0.memorySwap = "128m"
            $0.memoryReservation = "32m"
            $0.oomScoreAdj = "-500"
            $0.domainname = "example.org"
            $0.annotation = ["a.b=c", "empty"]
            $0.logDriver = "none"
            $0.userns = "host"
            $0.runtime = DaemonSettings.runtimeName
        }
        var r = ContainerResourceOptions()
        r.ulimits = [
            .init(name: "nofile", soft: 1024, hard: 2048), .init(name: "core", soft: .max, hard: .max),
            .init(name: "nproc", soft: 50, hard: 50),
        ]
        r.cpuShares = 512
        r.cpusetCpus = "0"
        r.cpusetMems = "0"
        r.shmSize = 128 << 20
        r.memorySwap = 128 << 20
        r.memoryReservation = 32 << 20
        r.oomScoreAdj = -500
        r.domainname = "example.org"
        r.annotations = ["a.b": "c", "empty": ""]
        #expect(o.resources == r)
        #expect(o.logDriver == LogDriver.none)
    }

    @Test func theEngineFieldsReachTheSpec() throws {
        let o = try Self.mapped(memory: 64 << 20) {
            $0.cpusetMems = "0"
            $0.cpusetCpus = "0-1"
            $0.ulimit = ["nofile=100"]
            $0.shmSize = "1m"
            $0.memorySwap = "-1"
        }
        var spec = Spec()
        spec.process = Process(args: ["sh"], cwd: "/")
        spec.linux = Linux()
        spec.mounts = [Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["size=65536k"])]
        o.resources.apply(to: &spec)
        #expect(spec.linux?.resources?.cpu?.mems == "0")
        #expect(spec.linux?.resources?.cpu?.cpus == "0-1")
        #expect(spec.linux?.resources?.memory?.swap == -1)
        #expect(spec.process?.rlimits == [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 100, soft: 100)])
        #expect(spec.mounts?.first?.options == ["size=1048576"])
    }

    @Test(arguments: [
        ("--ulimit", Self.given { $0.ulimit = ["nofile"] }),
        ("--ulimit nofle: unknown ulimit; did you mean nofile?", Self.given { $0.ulimit = ["nofle=1"] }),
        ("--ulimit nofile: the soft limit 10 is above the hard limit 5", Self.given { $0.ulimit = ["nofile=10:5"] }),
        ("for --ulimit nofile", Self.given { $0.ulimit = ["nofile=lots"] }),
        ("for --cpu-shares", Self.given { $0.cpuShares = "1" }),
        ("for --cpu-shares", Self.given { $0.cpuShares = "x" }),
        ("for --cpuset-cpus", Self.given { $0.cpusetCpus = "a-b" }),
        ("for --cpuset-mems", Self.given { $0.cpusetMems = "" }),
        ("for --shm-size", Self.given { $0.shmSize = "-1" }),
        ("--memory-swap: you should always set the memory limit", Self.given { $0.memorySwap = "1g" }),
        ("for --memory-reservation", Self.given { $0.memoryReservation = "lots" }),
        ("larger than the maximum (1000)", Self.given { $0.oomScoreAdj = "1001" }),
        ("for --domainname", Self.given { $0.domainname = String(repeating: "d", count: 65) }),
        ("--annotation =x", Self.given { $0.annotation = ["=x"] }),
        ("--userns: invalid USER mode", Self.given { $0.userns = "private" }),
        ("unknown or invalid runtime name: nvidia", Self.given { $0.runtime = "nvidia" }),
        ("--storage-opt size: invalid storage option", Self.given { $0.storageOpt = ["size"] }),
        ("--log-driver awslogs: the awslogs logging driver is not supported", Self.given { $0.logDriver = "awslogs" }),
        ("no log driver named 'nope' is registered", Self.given { $0.logDriver = "nope" }),
        ("--gpus all: skiff has no GPU support", Self.given { $0.gpus = "all" }),
        ("--ip6 10.0.0.2: not an IPv6 address", Self.given { $0.ip6 = "10.0.0.2" }),
        (
            "--link-local-ip 172.16.1.1: 172.16.1.1 is not a link-local address",
            Self.given { $0.linkLocalIP = ["172.16.1.1"] }
        ),
    ])
    func badValuesAreRefusedNamingTheFlag(message: String, flags: CreateFlagValues) {
        let refused = Self.refusal { $0 = flags }
        #expect(refused.contains(message), "\(refused)")
    }

    static func given(_ set: (inout CreateFlagValues) -> Void) -> CreateFlagValues {
        var f = CreateFlagValues()
        set(&f)
        return f
    }

    @Test func memorySwapAndReservationAreCheckedAgainstTheLimit() {
        #expect(Self.refusal(memory: 64 << 20) { $0.memorySwap = "32m" }.contains("at least the memory limit"))
        #expect(Self.refusal(memory: 64 << 20) { $0.memoryReservation = "128m" }.contains("memory reservation"))
        #expect(Self.refusal(memory: 64 << 20) { $0.memorySwap = "0" } == "(accepted)")
        #expect(Self.refusal { $0.userns = "" } == "(accepted)")
    }

    @Test func attachTakesDockersStreamNames() throws {
        #expect(try AttachStreams(parsing: []) == AttachStreams())
        let out = try AttachStreams(parsing: ["STDOUT"])
        #expect(out.stdout && !out.stderr && !out.stdin)
        let both = try AttachStreams(parsing: ["stdin", "Stderr"])
        #expect(both.stdin && both.stderr && !both.stdout)
        #expect(throws: KitError.self) { try AttachStreams(parsing: ["stdtty"]) }
    }

    @Test func labelFilesReadAsDockerReadsThem() throws {
        let labels = try LabelFile.parse("# c\n\n  tier=web\nquoted=\"x y\"\nbare\r\nk=a=b\n", path: "f")
        #expect(labels.map(\.key) == ["tier", "quoted", "bare", "k"])
        #expect(labels.map(\.value) == ["web", "\"x y\"", "", "a=b"])
        #expect(throws: KitError.self) { try LabelFile.parse("bad key=1\n", path: "f") }
        #expect(throws: KitError.self) { try LabelFile.parse("=1\n", path: "f") }
    }

    /// --security-opt as Docker's CLI reads it: `=` or `:`, a relative profile from the given directory.
    @Test func securityOptionsAsDockersCLIReadsThem() throws {
        func apply(_ texts: [String]) throws(KitError) -> RunOptions {
            var o = RunOptions()
            try SecurityOptions.apply(texts, to: &o, directory: "/proj", origin: "--security-opt")
            return o
        }
        #expect(try apply(["no-new-privileges"]).noNewPrivileges)
        #expect(try apply(["no-new-privileges:true"]).noNewPrivileges)
        #expect(try !apply(["no-new-privileges", "no-new-privileges=false"]).noNewPrivileges)
        #expect(try apply(["seccomp=unconfined"]).seccomp == .unconfined)
        #expect(try apply(["seccomp:unconfined", "seccomp=builtin"]).seccomp == .default)
        #expect(try apply(["seccomp:p.json"]).seccomp == .profile(path: "/proj/p.json"))
        #expect(try apply(["seccomp=/etc/p.json"]).seccomp == .profile(path: "/etc/p.json"))
        #expect(try apply(["systempaths=unconfined"]).unmaskSystemPaths)
        #expect(try !apply(["apparmor:unconfined", "label=disable"]).unmaskSystemPaths)
        for bad in ["apparmor=docker-default", "label=type:svirt_t", "seccomp=", "no-new-privileges=maybe", "bogus"] {
            #expect(throws: KitError.self, "\(bad)") { try apply([bad]) }
        }
    }

    @Test func daemonSettingsRules() {
        #expect((try? DaemonSettings.checkRuntime("skiff")) != nil)
        #expect((try? DaemonSettings.checkRuntime("runsc")) == nil)
        #expect((try? DaemonSettings.checkUserns("host")) != nil)
        #expect((try? DaemonSettings.checkUserns("remap")) == nil)
    }

    /// The compose keys that were refused before: userns_mode and runtime under the flags' rules,
    /// storage_opt and logging.driver none carried to RunOptions.
    @Test func composeKeysFollowTheFlagsRules() throws {
        let project = try ComposeResourceMappingTests.load(
            """
            services:
              app:
                image: busybox
                userns_mode: host
                runtime: skiff
                storage_opt: {size: 1G}
                logging: {driver: none}
            """)
        let app = try #require(project.service("app"))
        let options = try ComposeWiring(project: project).runOptions(app, name: "x-app-1", number: 1, configHash: "H")
        #expect(options.storageOptions == ["size": "1G"])
        #expect(options.logDriver == LogDriver.none)
        #expect(app.usernsMode == "host" && app.runtime == "skiff")
        // Docker Compose loads any runtime name; creating the container refuses one skiff lacks, as dockerd does.
        let nvidia = try ComposeResourceMappingTests.load(
            "services:\n  app:\n    image: busybox\n    runtime: nvidia\n")
        let gpu = try #require(nvidia.service("app"))
        #expect(gpu.runtime == "nvidia")
        do {
            _ = try ComposeWiring(project: nvidia).runOptions(gpu, name: "x-app-1", number: 1, configHash: "H")
            Issue.record("runtime: nvidia was carried to a container")
        } catch { #expect("\(error)".contains("unknown or invalid runtime name: nvidia"), "\(error)") }
        for (key, value, message) in [
            ("userns_mode", "private", "services.app.userns_mode: invalid USER mode")
        ] {
            do {
                _ = try ComposeResourceMappingTests.load(
                    "services:\n  app:\n    image: busybox\n    \(key): \(value)\n")
                Issue.record("\(key): \(value) was accepted")
            } catch { #expect("\(error)".contains(message), "\(error)") }
        }
    }
}
