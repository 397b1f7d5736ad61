import SkiffKit
import Testing

/// What `ExecCommandLine` (skiff exec's reader of its common forms, issue 15) takes, and what it leaves
/// to ArgumentParser (nil). ExecCommandLineTests (SkiffKitTests) checks that a line it takes does what
/// the same line parsed by ArgumentParser does.
struct ExecCommandLineParseTests {
    typealias Arguments = ExecCommandLine.Arguments

    static func parsed(_ words: String...) -> Arguments? { ExecCommandLine.parse(words) }

    @Test func commonFormsAreRead() {
        var plain = Arguments(container: "c", command: ["sh", "-c", "echo -n x"])
        #expect(Self.parsed("c", "sh", "-c", "echo -n x") == plain)
        plain.interactive = true
        plain.tty = true
        #expect(Self.parsed("-it", "c", "sh", "-c", "echo -n x") == plain)
        #expect(Self.parsed("-ti", "c", "sh", "-c", "echo -n x") == plain)
        #expect(Self.parsed("-i", "--tty", "c", "sh", "-c", "echo -n x") == plain)

        var all = Arguments(container: "web", command: ["env"])
        all.detach = true
        all.privileged = true
        all.env = ["A=1", "B", "C=x=y", "D="]
        all.workdir = "/srv"
        all.user = "1000:1000"
        #expect(
            Self.parsed(
                "-d", "-e", "A=1", "--env", "B", "--env=C=x=y", "-e", "D=", "-w", "/srv", "--user=1000:1000",
                "--privileged", "web", "env") == all)
        #expect(
            Self.parsed(
                "--detach", "--env=A=1", "-e", "B", "-e", "C=x=y", "--env", "D=", "--workdir=/srv", "-u",
                "1000:1000", "--privileged", "web", "env") == all)
        // Words after the command's first are the command's, flags included.
        #expect(Self.parsed("c", "ls", "-la", "--", "-d")?.command == ["ls", "-la", "--", "-d"])
    }

    @Test func unusualFormsGoToArgumentParser() {
        for line in [
            ["c"], [], ["-it"],  // no command, no container
            ["--help"], ["-h"], ["c", "--help"],  // help
            ["--explain", "c", "true"], ["--explain-html", "p.html", "c", "true"],
            ["--", "c", "true"], ["c", "--", "true"], ["c", "-x"],  // `--` and a flag-like command
            ["--env-file", "f", "c", "true"], ["-x", "c", "true"], ["--bogus", "c", "true"],  // not exec's
            ["-ie", "A=1", "c", "true"], ["-eA=1", "c", "true"], ["-wd", "c", "true"],  // an option in a group
            ["-e", "-x", "c", "true"], ["-e", "", "c", "true"], ["--env=", "c", "true"], ["--user=-1", "c", "true"],
            ["-w", "/a", "-w", "/b", "c", "true"], ["-u", "1", "--user", "2", "c", "true"],  // repeated single values
            ["-i", "-i", "c", "true"], ["-ii", "c", "true"], ["-t", "--tty", "c", "true"],  // repeated flags
            ["-e"], ["-w"], ["-i", "-u"],  // an option without its value
            ["", "true"],
        ] {
            #expect(ExecCommandLine.parse(Array(line)) == nil, "\(line)")
        }
    }
}
