import SkiffKit
import Testing

/// What `RunCommandLine` (the reader of `run` and `create`'s common forms, issue 15) takes, and what it
/// leaves to ArgumentParser (nil). RunCommandLineTests (SkiffKitTests) checks that a line it takes makes
/// the same container as the same line parsed by ArgumentParser.
struct RunCommandLineParseTests {
    typealias Arguments = RunCommandLine.Arguments

    static func parsed(_ words: String...) -> Arguments? { RunCommandLine.parse(words) }

    @Test func commonFormsAreRead() {
        #expect(Self.parsed("busybox") == Arguments(image: "busybox"))
        var detached = Arguments(image: "busybox", command: ["sleep", "60"])
        detached.detach = true
        detached.networks = ["none"]
        #expect(Self.parsed("-d", "--network", "none", "busybox", "sleep", "60") == detached)
        #expect(Self.parsed("--detach", "--network=none", "busybox", "sleep", "60") == detached)

        var all = Arguments(image: "registry.local:5000/app:1", command: ["sh", "-c", "echo -n x", "--", "-d"])
        all.detach = true
        all.remove = true
        all.interactive = true
        all.tty = true
        all.name = "web"
        all.networks = ["front", "back"]
        all.env = ["A=1", "B", "C=x=y"]
        all.publish = ["8080:80", "127.0.0.1::53/udp"]
        all.volumes = ["data:/data", "/srv:/srv:ro"]
        all.workdir = "/app"
        all.user = "1000:1000"
        all.labels = ["a=b", "c"]
        all.restart = "on-failure:3"
        #expect(
            Self.parsed(
                "-dit", "--rm", "--name", "web", "--network", "front", "--network=back", "-e", "A=1", "--env", "B",
                "--env=C=x=y", "-p", "8080:80", "--publish", "127.0.0.1::53/udp", "-v", "data:/data",
                "--volume=/srv:/srv:ro", "-w", "/app", "-u", "1000:1000", "-l", "a=b", "--label", "c", "--restart",
                "on-failure:3", "registry.local:5000/app:1", "sh", "-c", "echo -n x", "--", "-d") == all)
        #expect(
            Self.parsed(
                "--rm", "-t", "-i", "-d", "--name=web", "--network", "front", "--network", "back", "--env=A=1", "-e",
                "B", "-e", "C=x=y", "--publish=8080:80", "-p", "127.0.0.1::53/udp", "--volume", "data:/data", "-v",
                "/srv:/srv:ro", "--workdir=/app", "--user=1000:1000", "--label=a=b", "-l", "c",
                "--restart=on-failure:3",
                "registry.local:5000/app:1", "sh", "-c", "echo -n x", "--", "-d") == all)
    }

    @Test func unusualFormsGoToArgumentParser() {
        for line in [
            [], ["-d"], ["--rm", "--name", "x"],  // no image
            ["--help"], ["-h"], ["-h", "host", "busybox"],  // help, and -h (hostname) is not read here
            ["--explain", "busybox"], ["--detach-keys", "ctrl-a", "busybox"],
            ["--", "busybox"], ["busybox", "-x"], ["busybox", "--", "true"],  // `--` and a flag-like command
            ["-m", "64m", "busybox"], ["--entrypoint", "sh", "busybox"], ["--privileged", "busybox"],  // others
            ["-de", "A=1", "busybox"], ["-eA=1", "busybox"], ["-dp", "80", "busybox"],  // an option in a group
            ["-e", "-x", "busybox"], ["-e", "", "busybox"], ["--name=", "busybox"], ["--user=-1", "busybox"],
            ["--name", "a", "--name", "b", "busybox"], ["-w", "/a", "--workdir", "/b", "busybox"],  // repeated
            ["-d", "-d", "busybox"], ["-dd", "busybox"], ["--rm", "--rm", "busybox"],
            ["--restart", "always", "--restart=no", "busybox"],
            ["-e"], ["--network"], ["-d", "-p"],  // an option without its value
            ["", "true"], ["-", "busybox"],
        ] {
            #expect(RunCommandLine.parse(line) == nil, "\(line)")
        }
        // `create` has no -d.
        #expect(RunCommandLine.parse(["-d", "busybox"], detachable: false) == nil)
        #expect(RunCommandLine.parse(["--rm", "busybox"], detachable: false)?.remove == true)
    }

    /// The table reader itself: flags by letter or name, values in order, nothing past the operands.
    @Test func leadingFlagsReadsOnlyUpToTheFirstOperand() {
        let table = LeadingFlags(
            flags: [.init("all", "a"), .init("quiet")], options: [.init("tag", "t", repeatable: true)])
        let r = table.read(["-a", "--tag", "x", "-t", "y", "--tag=z", "op", "-a", "--bogus"])
        #expect(r?.flags == ["all"])
        #expect(r?.list("tag") == ["x", "y", "z"])
        #expect(r?.operands == ["op", "-a", "--bogus"])
        #expect(table.read(["--quiet", "--all"])?.operands == [])
        #expect(table.read(["-q"]) == nil)  // --quiet has no letter
        #expect(table.read(["--all=yes", "op"]) == nil)  // a flag takes no value
        #expect(table.read(["-at", "x", "op"]) == nil)
    }
}
