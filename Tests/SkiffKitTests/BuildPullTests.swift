import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// `skiff build` pulls a FROM image the store lacks, as `docker build` does, and `--pull` (compose's
/// `build.pull: true`) pulls it even when it is here; against a real `docker-registry` on loopback.
@Suite(
    "build pulls its base images",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry")))
struct BuildPullTests {
    @Test func aMissingBaseImageIsPulledAndPullPullsAgain() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let root = try CLIRoot(prefix: "skiff-build-pull-")
        defer { root.cleanUp() }
        let base = "\(registry.host)/base/busybox:1"
        #expect(root.skiff("tag", "busybox", base).status == 0)
        let push = root.skiff("push", base, timeout: 120)
        #expect(push.status == 0, "\(push.err)")
        #expect(root.skiff("rmi", base).status == 0)

        let context = root.path + "/ctx"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "FROM \(base)\nRUN echo pulled > /p\n".write(
            toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        let build = root.skiff("build", "-t", "pulled-app", context, timeout: 180)
        #expect(build.status == 0, "\(build.out)\(build.err)")
        #expect(build.out.contains("Pulling \(base)"), "\(build.out)")
        let run = root.skiff("run", "--rm", "pulled-app", "cat", "/p")
        #expect(run.out == "pulled\n", "\(run)")

        // Here now: a plain rebuild does not pull; --pull does.
        let again = root.skiff("build", "-t", "pulled-app", context, timeout: 180)
        #expect(again.status == 0 && !again.out.contains("Pulling"), "\(again.out)")
        let forced = root.skiff("build", "--pull", "-t", "pulled-app", context, timeout: 180)
        #expect(forced.status == 0 && forced.out.contains("Pulling \(base)"), "\(forced.out)\(forced.err)")
        // --label: Docker's builder adds them as a last LABEL step.
        let labelled = root.skiff("build", "--label", "stage=test", "--label", "owner=a b", "-t", "labelled", context)
        #expect(labelled.status == 0, "\(labelled.out)\(labelled.err)")
        let inspect = root.skiff("image", "inspect", "--format", "{{json .Config.Labels}}", "labelled")
        #expect(inspect.out.contains("\"owner\":\"a b\"") && inspect.out.contains("\"stage\":\"test\""), "\(inspect)")

        try "FROM 127.0.0.1:1/nowhere/base:1\n".write(
            toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        let unreachable = root.skiff("build", context, timeout: 120)
        #expect(unreachable.status == 1, "\(unreachable)")
        #expect(unreachable.err.contains("could not be pulled"), "\(unreachable.err)")
    }

    /// `--network none` gives every RUN step only loopback (a step's own `--network` still wins);
    /// the default is the host's network, as skiff's RUN steps have it.
    @Test func buildNetworkIsTheRunStepsNetwork() throws {
        let root = try CLIRoot(prefix: "skiff-build-net-")
        defer { root.cleanUp() }
        let context = root.path + "/ctx"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "FROM busybox\nRUN ls /sys/class/net | tr '\\n' ' ' > /nets\n".write(
            toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        #expect(root.skiff("build", "--network", "none", "-t", "net-none", context).status == 0)
        #expect(root.skiff("run", "--rm", "net-none", "cat", "/nets").out == "lo ")
        #expect(root.skiff("build", "-t", "net-host", context).status == 0)
        let host = root.skiff("run", "--rm", "net-host", "cat", "/nets").out
        #expect(host.split(separator: " ").count > 1, "\(host)")
        // --add-host, --shm-size and --ulimit reach every RUN step.
        try """
        FROM busybox
        RUN (grep buildhost /etc/hosts; df -k /dev/shm | tail -1 | tr -s ' ' | cut -d' ' -f2; ulimit -n) > /seen
        """.write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        let flags = root.skiff(
            "build", "--add-host", "buildhost:10.9.8.7", "--shm-size", "2m", "--ulimit", "nofile=321:400", "-t",
            "net-flags", context)
        #expect(flags.status == 0, "\(flags.out)\(flags.err)")
        #expect(root.skiff("run", "--rm", "net-flags", "cat", "/seen").out == "10.9.8.7\tbuildhost\n2048\n321\n")
        let badHost = root.skiff("build", "--add-host", "nohost", context)
        #expect(badHost.status != 0 && badHost.err.contains("--add-host nohost"), "\(badHost)")
        let bad = root.skiff("build", "--network", "mynet", context)
        #expect(bad.status != 0 && bad.err.contains("default, host or none"), "\(bad)")
    }
}
