import Foundation
import SkiffKit
import Testing

/// `skiff build` reads its common command lines without ArgumentParser (`BuildCommandLine`, issue 15).
/// The same request made both ways must build the same thing: a line the fast reader takes (its flags
/// before the context) against the same flags after the context, which it leaves to ArgumentParser.
/// The second build of each pair is fully cached, so the image IDs match only if both read the
/// Dockerfile, the build arguments, the target and the labels alike; errors match word for word.
@Suite(.serialized) struct BuildCommandLineTests {
    @Test func fastAndFullParsesOfBuildAgree() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let context = root.path + "/ctx"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "hello\n".write(toFile: context + "/file.txt", atomically: true, encoding: .utf8)
        try """
        FROM busybox AS base
        ARG A=unset
        COPY file.txt /file.txt
        RUN echo "a=$A" > /a.txt
        FROM base AS test
        ARG B
        RUN echo "b=$B" > /b.txt
        FROM base
        CMD ["cat", "/a.txt"]
        """.write(toFile: context + "/Dockerfile.dev", atomically: true, encoding: .utf8)
        let flagSets: [[String]] = [
            ["-q", "-f", context + "/Dockerfile.dev"],
            ["-q", "-f", context + "/Dockerfile.dev", "--build-arg", "A=1", "-t", "fast:1", "--tag=fast:2"],
            [
                "-q", "--file=" + context + "/Dockerfile.dev", "--target", "test", "--build-arg=B=x=y", "--network",
                "none",
            ],
            [
                "-q", "-f", context + "/Dockerfile.dev", "--label", "l=v", "--label=m=", "--progress", "plain", "-t",
                "lab",
            ],
        ]
        for flags in flagSets {
            let full = root.skiff(["build"] + [context] + flags)
            let fast = root.skiff(["build"] + flags + [context])
            #expect(full.status == 0, "build \(flags): \(full)")
            #expect(fast.status == full.status && fast.out == full.out, "build \(flags): \(fast) vs \(full)")
            #expect(fast.out.hasPrefix("sha256:"), "\(fast)")
        }
        #expect(root.inspect("fast:2", "{{index .Config.Cmd 0}}") == "cat")
        let labels = root.skiff("image", "inspect", "--format", "{{json .Config.Labels}}", "lab")
        #expect(labels.status == 0 && labels.out.contains(#""l":"v""#) && labels.out.contains(#""m":"""#), "\(labels)")
        // The cache of a later --no-cache build is not used either way: a new image each time.
        let noCache = ["--no-cache", "-q", "-f", context + "/Dockerfile.dev"]
        let first = root.skiff(["build"] + noCache + [context])
        let second = root.skiff(["build"] + [context] + noCache)
        #expect(first.status == 0 && second.status == 0 && first.out != second.out, "\(first) vs \(second)")
        // Refusals: the same message and exit status either way.
        for flags in [["--progress", "loud"], ["--network", "bogus"], ["--label", "=v"], ["-f", "/nonexistent"]] {
            let full = root.skiff(["build"] + [context] + flags)
            let fast = root.skiff(["build"] + flags + [context])
            #expect(full.status != 0, "build \(flags): \(full)")
            #expect(fast.status == full.status && fast.err == full.err, "build \(flags): \(fast) vs \(full)")
        }
    }
}
