import Foundation
import SkiffKit
import Testing

/// `skiff inspect --format` on the keys scripts and compose tools read from `docker inspect`, with the
/// values Docker 20.10 printed for the same flags (docs/parity.md, the `inspect` row): before, each
/// printed `<no value>`.
@Suite(.serialized) struct InspectDockerKeysTests {
    /// HostConfig.NetworkMode is the `--network` given (`default` without one, as Docker's CLI sends it);
    /// LogConfig.Config the `--log-opt`s as given, `{}` without (Skiff's own rotation is not shown).
    @Test func networkModeAndLogConfigAreAsGiven() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let cases: [([String], String)] = [
            ([], #"default {"Config":{},"Type":"json-file"}"#),
            (["--network", "bridge"], #"bridge {"Config":{},"Type":"json-file"}"#),
            (["--network", "none"], #"none {"Config":{},"Type":"json-file"}"#),
            (["--network", "host", "--log-driver", "none"], #"host {"Config":{},"Type":"none"}"#),
            (
                ["--log-opt", "max-size=5m", "--log-opt", "max-file=3"],
                #"default {"Config":{"max-file":"3","max-size":"5m"},"Type":"json-file"}"#
            ),
        ]
        for (i, (flags, expected)) in cases.enumerated() {
            let r = root.skiff(["create", "--name", "nm\(i)"] + flags + ["busybox", "true"])
            try #require(r.status == 0, "\(r)")
            #expect(
                root.inspect("nm\(i)", "{{.HostConfig.NetworkMode}} {{json .HostConfig.LogConfig}}") == expected,
                "\(flags)")
        }
    }

    @Test func createFlagsShowAsDockerShowsThem() throws {
        let root = try CLIRoot()
        defer { root.cleanUp(removeVolumes: true) }
        let bind = root.path + "/bind"
        try FileManager.default.createDirectory(atPath: bind, withIntermediateDirectories: true)
        let r = root.skiff(
            "create", "--name", "many", "-v", bind + ":/b:ro", "-v", "namedvol:/nv", "-v", "/anon", "--cap-add",
            "SYS_ADMIN", "--cap-drop", "NET_RAW", "--dns", "10.9.9.9", "--dns-search", "example.org", "--dns-option",
            "ndots:2", "--add-host", "db.local:10.1.2.3", "--ulimit", "nofile=512:1024", "--shm-size", "128m",
            "--pids-limit", "50", "--sysctl", "net.ipv4.ip_forward=1", "--tmpfs", "/scratch:size=1m", "--init",
            "--group-add", "123", "--security-opt", "no-new-privileges", "--oom-score-adj", "100", "-m", "64m",
            "--device", "/dev/null:/dev/mynull:rw", "--read-only", "--entrypoint", "/bin/sh", "busybox", "-c", "true")
        try #require(r.status == 0, "\(r)")
        let expected: [(String, String)] = [
            ("{{json .HostConfig.Binds}}", #"["\#(bind):/b:ro","namedvol:/nv"]"#),
            ("{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}}", #"["SYS_ADMIN"] ["NET_RAW"]"#),
            (
                "{{json .HostConfig.Dns}} {{json .HostConfig.DnsSearch}} {{json .HostConfig.DnsOptions}}",
                #"["10.9.9.9"] ["example.org"] ["ndots:2"]"#
            ),
            ("{{json .HostConfig.ExtraHosts}} {{json .HostConfig.GroupAdd}}", #"["db.local:10.1.2.3"] ["123"]"#),
            ("{{json .HostConfig.Ulimits}}", #"[{"Hard":1024,"Name":"nofile","Soft":512}]"#),
            ("{{.HostConfig.ShmSize}} {{.HostConfig.PidsLimit}}", "134217728 50"),
            (
                "{{json .HostConfig.Sysctls}} {{json .HostConfig.Tmpfs}}",
                #"{"net.ipv4.ip_forward":"1"} {"/scratch":"size=1m"}"#
            ),
            ("{{.HostConfig.Init}} {{.HostConfig.Privileged}} {{.HostConfig.ReadonlyRootfs}}", "true false true"),
            ("{{json .HostConfig.SecurityOpt}} {{.HostConfig.OomScoreAdj}}", #"["no-new-privileges"] 100"#),
            ("{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}", "67108864 134217728"),
            (
                "{{json .HostConfig.Devices}}",
                #"[{"CgroupPermissions":"rw","PathInContainer":"/dev/mynull","PathOnHost":"/dev/null"}]"#
            ),
            (
                "{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{json .Config.OnBuild}}",
                #"["/bin/sh"] ["-c","true"] null"#
            ),
            ("{{json .Config.Volumes}}", #"{"/anon":{}}"#),
            ("{{.Path}} {{json .Args}}", #"/bin/sh ["-c","true"]"#),
            ("{{json .ExecIDs}} {{.GraphDriver.Name}} {{.Driver}}", "null overlay2 overlay2"),
            ("[{{.AppArmorProfile}}{{.MountLabel}}{{.ProcessLabel}}]", "[]"),
        ]
        for (format, value) in expected {
            #expect(root.inspect("many", format) == value, "\(format)")
        }
        // Mounts: the bind's and the named volume's modes as Docker writes them; --tmpfs is not one.
        #expect(
            root.inspect("many", "{{range .Mounts}}{{.Destination}}={{.Mode}} {{end}}") == "/b=ro /nv=z /anon=",
            "\(root.inspect("many", "{{json .Mounts}}"))")
        let masked = root.inspect("many", "{{json .HostConfig.MaskedPaths}}")
        #expect(masked.hasPrefix(#"["/proc/asound","/proc/acpi","/proc/kcore""#), "\(masked)")
        #expect(root.inspect("many", "{{json .HostConfig.ReadonlyPaths}}").contains(#""/proc/sys""#))

        // A seccomp profile file is shown as its JSON, as Docker's CLI sends it.
        let profile = root.path + "/profile.json"
        try Data("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\"\n}\n".utf8).write(to: URL(fileURLWithPath: profile))
        let sec = root.skiff("create", "--name", "sec", "--security-opt", "seccomp=" + profile, "busybox", "true")
        #expect(sec.status == 0, "\(sec)")
        #expect(
            root.inspect("sec", "{{json .HostConfig.SecurityOpt}}")
                == #"["seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}"]"#)

        // GraphDriver names the container's own directories and the image's layers.
        let upper = root.inspect("many", "{{.GraphDriver.Data.UpperDir}}")
        #expect(FileManager.default.fileExists(atPath: upper + "/.dockerenv"), "\(upper)")
        let lower = root.inspect("many", "{{.GraphDriver.Data.LowerDir}}")
        #expect(
            lower.split(separator: ":").contains { FileManager.default.fileExists(atPath: $0 + "/bin/busybox") },
            "\(lower)")
        for key in ["MergedDir", "WorkDir"] {
            let dir = root.inspect("many", "{{.GraphDriver.Data.\(key)}}")
            #expect(dir.hasPrefix(root.path + "/") && FileManager.default.fileExists(atPath: dir), "\(key): \(dir)")
        }
    }

    /// No flags: Docker's nulls, empty lists and defaults; `--privileged`: no masked paths, SELinux off.
    @Test func unsetFlagsAreDockersNullsAndDefaults() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        #expect(root.skiff("create", "--name", "plain", "busybox", "true").status == 0)
        #expect(root.skiff("create", "--name", "priv", "--privileged", "busybox", "true").status == 0)
        let nulls = [
            "Binds", "CapAdd", "CapDrop", "ExtraHosts", "GroupAdd", "SecurityOpt", "Ulimits", "PidsLimit",
            "VolumesFrom", "DeviceCgroupRules", "BlkioDeviceReadBps", "MemorySwappiness",
        ]
        for key in nulls { #expect(root.inspect("plain", "{{json .HostConfig.\(key)}}") == "null", "\(key)") }
        for key in ["Dns", "DnsOptions", "DnsSearch", "Devices", "BlkioWeightDevice"] {
            #expect(root.inspect("plain", "{{json .HostConfig.\(key)}}") == "[]", "\(key)")
        }
        #expect(
            root.inspect("plain", "{{.HostConfig.ShmSize}} {{.HostConfig.OomScoreAdj}} {{.HostConfig.Privileged}}")
                == "67108864 0 false")
        #expect(root.inspect("plain", "{{json .Config.Entrypoint}} {{json .Config.Cmd}}") == #"null ["true"]"#)
        #expect(root.inspect("plain", "{{json .Config.Volumes}} {{json .ExecIDs}}") == "null null")
        // The /etc files' paths and LogPath are "" until the first start, as Docker's.
        let paths = "{{.ResolvConfPath}}|{{.HostnamePath}}|{{.HostsPath}}|{{.LogPath}}"
        #expect(root.inspect("plain", paths) == "|||")
        #expect(root.skiff("start", "-a", "plain").status == 0)
        let dir = root.inspect("plain", "{{.GraphDriver.Data.UpperDir}}").replacingOccurrences(of: "/upper", with: "")
        #expect(
            root.inspect("plain", paths)
                == ["resolv.conf", "hostname", "hosts", "log.jsonl"].map { dir + "/" + $0 }.joined(separator: "|"))
        // Config.Env: the user's entries, then the image's they do not set; not HOSTNAME or TERM, which the
        // process gets besides (as Docker's daemon adds them at start).
        let imageEnv = root.skiff("image", "inspect", "-f", "{{json .Config.Env}}", "busybox").out
        let image = try JSONDecoder().decode([String].self, from: Data(imageEnv.utf8))
        #expect(root.inspect("plain", "{{json .Config.Env}}") == imageEnv.trimmingCharacters(in: .newlines))
        #expect(
            root.skiff("create", "--name", "env", "-t", "-e", "FOO=bar", "-e", "PATH=/x", "busybox", "true").status
                == 0)
        let env = try JSONDecoder().decode(
            [String].self, from: Data(root.inspect("env", "{{json .Config.Env}}").utf8))
        #expect(env == ["FOO=bar", "PATH=/x"] + image.filter { !$0.hasPrefix("PATH=") }, "\(env)")
        // No -w and no WORKDIR: "" (the process starts in /); -w as Docker cleans it.
        #expect(root.inspect("plain", "[{{.Config.WorkingDir}}]") == "[]")
        #expect(root.skiff("create", "--name", "wd", "-w", "/srv//app/", "busybox", "true").status == 0)
        #expect(root.inspect("wd", "{{.Config.WorkingDir}}") == "/srv/app")
        let keys = root.skiff("inspect", "plain").out
        for absent in ["\"Init\"", "\"Tmpfs\"", "\"Sysctls\"", "\"StorageOpt\""] {
            #expect(!keys.contains(absent), "\(absent) is written when unset")
        }
        // A template still reaches them, as Docker's typed value: null, not an error.
        let omitted = root.skiff(
            "inspect", "-f", "{{json .HostConfig.Tmpfs}} {{json .HostConfig.Sysctls}} {{json .HostConfig.Init}}",
            "plain")
        #expect(omitted.status == 0 && omitted.out == "null null null\n", "\(omitted)")
        #expect(
            root.inspect("priv", "{{.HostConfig.Privileged}} {{json .HostConfig.SecurityOpt}}")
                == #"true ["label=disable"]"#)
        #expect(
            root.inspect("priv", "{{json .HostConfig.MaskedPaths}} {{json .HostConfig.ReadonlyPaths}}") == "null null")
    }

    /// ExecIDs lists the execs that run (a detached one and one a `skiff exec` waits for), null once
    /// they have ended, as Docker's.
    @Test func execIDsAreTheRunningExecs() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        try #require(root.skiff("run", "-d", "--name", "c", "--network", "none", "busybox", "sleep", "120").status == 0)
        #expect(root.inspect("c", "{{json .ExecIDs}}") == "null")
        try #require(root.skiff("exec", "-d", "c", "sleep", "31").status == 0)
        func ids() -> [String] {
            let text = root.inspect("c", "{{json .ExecIDs}}")
            return (try? JSONDecoder().decode([String]?.self, from: Data(text.utf8))).flatMap { $0 } ?? []
        }
        #expect(root.eventually(10) { ids().count == 1 }, "\(ids())")
        let detached = ids().first ?? ""
        #expect(detached.count == 64 && detached.allSatisfy(\.isHexDigit), "\(detached)")
        let waited = root.launch(["exec", "c", "sleep", "32"])
        #expect(root.eventually(10) { ids().count == 2 }, "\(ids())")
        #expect(ids().first == detached, "oldest first: \(ids())")
        func stop(_ seconds: String) {
            let script = "kill $(ps -o pid,args | awk '$2 == \"sleep\" && $3 == \"\(seconds)\" { print $1 }')"
            #expect(root.skiff("exec", "c", "sh", "-c", script).status == 0)
        }
        stop("32")
        waited.waitUntilExit()
        #expect(ids() == [detached])
        stop("31")
        #expect(root.eventually(10) { root.inspect("c", "{{json .ExecIDs}}") == "null" })
        // A stopped container runs none.
        try #require(root.skiff("exec", "-d", "c", "sleep", "33").status == 0)
        #expect(root.skiff("stop", "-t", "1", "c").status == 0)
        #expect(root.inspect("c", "{{json .ExecIDs}}") == "null")
    }
}
