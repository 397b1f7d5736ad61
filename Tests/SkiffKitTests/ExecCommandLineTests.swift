import Foundation
import SkiffKit
import Testing

/// `skiff exec` reads its common command lines without ArgumentParser (`ExecCommandLine`, issue 15).
/// The same request made both ways must do the same thing: a command line the fast reader takes
/// (`exec FLAGS c sh -c …`) against the same one with `--` before the command, which it leaves to
/// ArgumentParser (the CLI drops the `--`). Output and exit status must match, flag for flag.
@Suite(.serialized) struct ExecCommandLineTests {
    @Test func fastAndFullParsesOfExecAgree() throws {
        let root = try CLIRoot(environment: ["FROM_CALLER": "caller-value"])
        defer { root.cleanUp() }
        let run = root.skiff(
            "run", "-d", "--name", "c", "--network", "none", "-e", "IMAGE_ENV=1", "busybox", "sleep", "60")
        #expect(run.status == 0, "\(run)")
        let probe = [
            "sh", "-c", #"echo "A=$A B=$B FROM_CALLER=$FROM_CALLER IMAGE_ENV=$IMAGE_ENV TERM=$TERM"; pwd; id; exit 7"#,
        ]
        let flagSets: [[String]] = [
            [],
            ["-e", "A=1"],
            ["-e", "A=1", "--env", "B=2", "-e", "FROM_CALLER"],
            ["--env=A=x=y", "-e", "IMAGE_ENV=over"],
            ["-w", "/tmp"], ["--workdir", "/etc"], ["--workdir=/proc"],
            ["-u", "1000"], ["--user", "nobody"], ["--user=1000:1000"], ["-u", "0:10"],
            ["-t"], ["-i"], ["--tty", "-e", "TERM=dumb"], ["--interactive"],
        ]
        for flags in flagSets {
            let fast = root.skiff(["exec"] + flags + ["c"] + probe)
            let full = root.skiff(["exec"] + flags + ["c", "--"] + probe)
            #expect(fast.status == 7, "exec \(flags): \(fast)")
            #expect(fast.status == full.status && fast.out == full.out, "exec \(flags): \(fast) vs \(full)")
        }
        // --privileged: the same outcome either way, output and error alike.
        for flags in [["--privileged"], ["--privileged", "-u", "0"]] {
            let fast = root.skiff(["exec"] + flags + ["c"] + probe)
            let full = root.skiff(["exec"] + flags + ["c", "--"] + probe)
            #expect(fast.status == full.status && fast.out == full.out && fast.err == full.err, "\(fast) vs \(full)")
        }
        // --privileged gives the process every capability the host can grant (its bounding set), as
        // `run --privileged` does; asking for more would fail on a host that lacks one.
        let hostStatus = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let hostBounding = hostStatus.split(separator: "\n").first { $0.hasPrefix("CapBnd:") }?.split(separator: "\t")
            .last
        let privileged = root.skiff("exec", "--privileged", "c", "grep", "CapEff", "/proc/self/status")
        #expect(privileged.status == 0, "\(privileged)")
        #expect(
            privileged.out.split(separator: "\t").last?.trimmingCharacters(in: .whitespacesAndNewlines)
                == hostBounding.map(String.init))
        // Detached: both start the process and return at once.
        for flags in [["-d"], ["--detach"], ["-d", "-e", "A=1"]] {
            let fast = root.skiff(["exec"] + flags + ["c", "sh", "-c", "echo x > /tmp/detached-fast"])
            let full = root.skiff(["exec"] + flags + ["c", "--", "sh", "-c", "echo x > /tmp/detached-full"])
            #expect(fast.status == 0 && full.status == 0 && fast.out == full.out, "\(fast) vs \(full)")
        }
        // Grouped short flags: -it and -ti are refused alike without a terminal on stdin (CLIRoot's is /dev/null).
        for group in ["-it", "-ti", "-dit"] {
            let fast = root.skiff("exec", group, "c", "true")
            let full = root.skiff("exec", group, "c", "--", "true")
            #expect(fast.status == full.status && fast.err == full.err, "\(group): \(fast) vs \(full)")
        }
        #expect(root.skiff("exec", "-dt", "c", "true").status == root.skiff("exec", "-dt", "c", "--", "true").status)
        // What the fast reader leaves alone is refused or run as before.
        // --env-file (Docker's exec has it): the file's entries, then -e over them.
        try "# env\nA=from-file\n  B=b\nFROM_CALLER\n".write(
            toFile: root.path + "/exec.env", atomically: true, encoding: .utf8)
        let withFile = root.skiff(["exec", "--env-file", root.path + "/exec.env", "-e", "B=flag", "c"] + probe)
        #expect(withFile.out.hasPrefix("A=from-file B=flag FROM_CALLER=caller-value"), "\(withFile)")
        let missing = root.skiff("exec", "--env-file", root.path + "/nope.env", "c", "true")
        #expect(missing.status == 125 && missing.err.contains("nope.env"), "\(missing)")
        #expect(root.skiff("exec", "c").status == 125)
        #expect(root.skiff("exec", "nosuch", "true").status != 0)
        let help = root.skiff("exec", "--help")
        #expect(help.status == 0 && help.out.contains("--workdir"), "\(help)")
        #expect(root.skiff("rm", "-f", "c").status == 0)
    }
}
