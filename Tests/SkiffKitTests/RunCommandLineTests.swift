import Foundation
import SkiffKit
import Testing

/// `skiff run` and `skiff create` read their common command lines without ArgumentParser
/// (`RunCommandLine`, issue 15). A line the fast reader takes must make the same container as the same
/// line with `--` after the image, which it leaves to ArgumentParser (the CLI drops the `--`): the same
/// inspect (Config, HostConfig, Mounts), the same output and exit status, the same refusals.
@Suite(.serialized) struct RunCommandLineTests {
    static let flagSets: [[String]] = [
        [],
        ["-e", "A=1", "--env", "FROM_CALLER", "-e", "C=x=y", "--env=D="],
        ["-w", "/tmp", "-u", "1000:1000"], ["--workdir=/etc", "--user=nobody"],
        ["-t", "-i"], ["-it"], ["--rm"], ["--tty", "--interactive", "--rm"],
        ["--network", "none"], ["--network=host"],
        ["-p", "127.0.0.1::80", "--publish", "8080:80/udp", "-p", "9000-9001:9000-9001"],
        ["-v", "skiff-fast-vol:/data", "--volume=/tmp:/host-tmp:ro"],
        ["-l", "a=b", "--label", "c", "--label=d=e=f", "--restart", "on-failure:3"], ["--restart=always"],
    ]

    @Test func fastAndFullParsesOfCreateAgree() throws {
        let root = try CLIRoot(environment: ["FROM_CALLER": "caller-value"])
        defer { root.cleanUp(removeVolumes: true) }
        for (i, flags) in Self.flagSets.enumerated() {
            let fastName = "fast\(i)"
            let fullName = "full\(i)"
            let command = ["sh", "-c", "echo hi"]
            let fast = root.skiff(["create"] + flags + ["--name", fastName, "busybox"] + command)
            let full = root.skiff(["create"] + flags + ["--name", fullName, "busybox", "--"] + command)
            #expect(fast.status == 0 && full.status == 0, "create \(flags): \(fast) / \(full)")
            #expect(fast.err == full.err, "create \(flags): \(fast.err) vs \(full.err)")
            let format = "{{json .Config}} {{json .HostConfig}} {{json .Mounts}} {{json .Path}} {{json .Args}}"
            func described(_ name: String, id: String) -> String {
                root.skiff("inspect", "--format", format, name).out
                    .replacingOccurrences(of: id.trimmingCharacters(in: .whitespacesAndNewlines), with: "ID")
                    .replacingOccurrences(of: String(id.prefix(12)), with: "ID")
                    .replacingOccurrences(of: name, with: "NAME")
            }
            let a = described(fastName, id: fast.out)
            let b = described(fullName, id: full.out)
            #expect(!a.isEmpty && a == b, "create \(flags):\n\(a)\nvs\n\(b)")
        }
        // The same refusals, with the same message and Docker's 125, and no container left.
        for flags in [["-w", "relative"], ["-p", "notaport"], ["--restart", "sometimes"], ["-u", "a:b:c"]] {
            let fast = root.skiff(["create"] + flags + ["busybox", "true"])
            let full = root.skiff(["create"] + flags + ["busybox", "--", "true"])
            #expect(fast.status == 125 && fast.status == full.status && fast.err == full.err, "\(fast) vs \(full)")
        }
        #expect(
            root.skiff("ps", "-a", "-q", "--filter", "status=created").out.split(separator: "\n").count == 2
                * Self.flagSets.count)
    }

    @Test func fastAndFullParsesOfRunAgree() throws {
        let root = try CLIRoot(environment: ["FROM_CALLER": "caller-value"])
        defer { root.cleanUp(removeVolumes: true) }
        let probe = [
            "sh", "-c", #"echo "A=$A FROM_CALLER=$FROM_CALLER"; pwd; id -u; cat /etc/hostname | wc -c; exit 3"#,
        ]
        for flags in [
            [], ["--rm"], ["--rm", "-e", "A=1", "-e", "FROM_CALLER", "-w", "/tmp", "-u", "1000"],
            ["--rm", "--network", "none", "-l", "x=y"],
        ] {
            let fast = root.skiff(["run"] + flags + ["busybox"] + probe)
            let full = root.skiff(["run"] + flags + ["busybox", "--"] + probe)
            #expect(
                fast.status == 3 && fast.status == full.status && fast.out == full.out,
                "run \(flags): \(fast) vs \(full)")
        }
        // Detached: both print the ID and the container runs.
        for (name, tail) in [("d-fast", ["sleep", "60"]), ("d-full", ["--", "sleep", "60"])] {
            let run = root.skiff(["run", "-d", "--name", name, "--network", "none", "busybox"] + tail)
            #expect(run.status == 0 && run.out.count == 65, "\(run)")
            #expect(
                root.skiff("inspect", "--format", "{{.State.Status}} {{json .Args}}", name).out == "running [\"60\"]\n")
        }
        // -it without a terminal on stdin is refused alike (CLIRoot's stdin is /dev/null).
        let fast = root.skiff("run", "-it", "busybox", "true")
        let full = root.skiff("run", "-it", "busybox", "--", "true")
        #expect(fast.status != 0 && fast.status == full.status && fast.err == full.err, "\(fast) vs \(full)")
        // What the fast reader leaves alone is read by ArgumentParser as before.
        #expect(root.skiff("run", "--rm", "-h", "named", "busybox", "hostname").out == "named\n")
        #expect(root.skiff("run", "--help").out.contains("--publish"))
        #expect(root.skiff("rm", "-f", "d-fast", "d-full").status == 0)
    }
}
