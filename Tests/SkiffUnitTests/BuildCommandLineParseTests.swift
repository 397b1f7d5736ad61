import SkiffKit
import Testing

/// What `BuildCommandLine` (skiff build's reader of its common forms, issue 15) takes, and what it leaves
/// to ArgumentParser (nil). BuildCommandLineTests (SkiffKitTests) checks that a line it takes builds
/// what the same line parsed by ArgumentParser builds.
struct BuildCommandLineParseTests {
    typealias Arguments = BuildCommandLine.Arguments

    static func parsed(_ words: String...) -> Arguments? { BuildCommandLine.parse(words) }

    @Test func commonFormsAreRead() {
        #expect(Self.parsed(".") == Arguments(context: "."))
        var tagged = Arguments(context: "/src/app")
        tagged.tags = ["app:1", "app:latest"]
        tagged.quiet = true
        #expect(Self.parsed("-q", "-t", "app:1", "--tag", "app:latest", "/src/app") == tagged)
        #expect(Self.parsed("--quiet", "--tag=app:1", "-t", "app:latest", "/src/app") == tagged)

        var all = Arguments(context: "ctx")
        all.tags = ["a"]
        all.file = "ctx/Dockerfile.dev"
        all.buildArgs = ["A=1", "B", "C=x=y"]
        all.labels = ["l=v", "m="]
        all.target = "test"
        all.network = "none"
        all.progress = "plain"
        all.noCache = true
        all.pull = true
        all.quiet = true
        #expect(
            Self.parsed(
                "-t", "a", "-f", "ctx/Dockerfile.dev", "--build-arg", "A=1", "--build-arg=B", "--build-arg", "C=x=y",
                "--label", "l=v", "--label=m=", "--target", "test", "--network=none", "--progress", "plain",
                "--no-cache", "--pull", "-q", "ctx") == all)
    }

    @Test func unusualFormsGoToArgumentParser() {
        for line: [String] in [
            [], ["-q"], ["a", "b"], [""],  // no context, two, an empty one
            [".", "-t", "x"], [".", "--no-cache"],  // a flag after the context
            ["--help"], ["-h"], [".", "--help"], ["--explain", "."], ["--explain-html", "p.html", "."],
            ["--", "."], ["-"],  // `--`, the context on stdin
            ["--secret", "id=a,src=f", "."], ["--ssh", "default", "."], ["--platform", "linux/arm64", "."],
            ["--cache-from", "type=local,src=d", "."], ["--build-context", "a=b", "."],
            ["--allow", "network.host", "."],
            ["--add-host", "a:1.2.3.4", "."], ["--shm-size", "64m", "."], ["--ulimit", "nofile=1:2", "."],
            ["--isolation", "default", "."], ["--disable-content-trust", "."], ["--no-disable-content-trust", "."],
            ["-f", "-", "."], ["-f", "a", "-f", "b", "."], ["--target", "a", "--target", "b", "."],  // stdin, repeats
            ["-q", "-q", "."], ["-qt", "x", "."], ["-tx", "."], ["-t", "", "."], ["--tag=", "."], ["-t"],
        ] {
            #expect(BuildCommandLine.parse(line) == nil, "\(line)")
        }
    }
}
