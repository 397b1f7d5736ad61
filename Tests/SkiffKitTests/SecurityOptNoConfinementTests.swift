import Foundation
import SkiffKit
import SkiffTestSupport
import Testing

/// `--security-opt apparmor=unconfined` and `label=disable` ask for no AppArmor profile and no SELinux
/// label — how Skiff runs every container — so they run; a profile Skiff cannot apply is refused (125).
@Suite struct SecurityOptNoConfinementTests {
    @Test func noConfinementRunsAndAProfileIsRefused() throws {
        let root = try CLIRoot(prefix: "skiff-secopt-")
        defer { root.cleanUp() }
        let ok = root.skiff(
            "run", "--rm", "--network", "none", "--security-opt", "apparmor=unconfined", "--security-opt",
            "label:disable", "busybox", "echo", "ran")
        #expect(ok.status == 0 && ok.out.contains("ran"), "\(ok)")
        let refused = root.skiff(
            "run", "--rm", "--network", "none", "--security-opt", "apparmor=docker-default", "busybox", "true")
        #expect(refused.status == 125 && refused.err.contains("apparmor=docker-default"), "\(refused)")
        #expect(root.skiff("ps", "-aq").out.isEmpty)
    }

    /// Docker masks /proc/timer_list (and more) with /dev/null; `systempaths=unconfined` lifts the masks.
    @Test func systemPathsUnconfinedLiftsTheMasks() throws {
        let root = try CLIRoot(prefix: "skiff-secopt-")
        defer { root.cleanUp() }
        let masked = root.skiff("run", "--rm", "--network", "none", "busybox", "wc", "-c", "/proc/timer_list")
        #expect(masked.status == 0 && masked.out.hasPrefix("0 "), "\(masked)")
        let open = root.skiff(
            "run", "--rm", "--network", "none", "--security-opt", "systempaths=unconfined", "busybox", "wc", "-c",
            "/proc/timer_list")
        #expect(open.status == 0 && !open.out.hasPrefix("0 "), "\(open)")
    }

    /// A seccomp profile named relative to the project (`security_opt: [seccomp:FILE]`, as Compose reads it)
    /// is enforced: what it forbids fails in the container, the rest runs. The CLI's `seccomp:FILE` spelling
    /// and `no-new-privileges=false` are Docker's too; a missing profile makes nothing.
    @Test func aComposeSeccompProfileIsEnforced() throws {
        let p = try ComposeEndToEndTests.Project(
            """
            services:
              app:
                image: busybox
                network_mode: none
                security_opt: ["seccomp:deny-mkdir.json", "no-new-privileges=false"]
              broken:
                image: busybox
                network_mode: none
                security_opt: ["seccomp:missing.json"]
                profiles: [broken]
            """)
        defer { p.cleanUp() }
        let profile =
            #"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}"#
        try profile.write(toFile: p.dir + "/deny-mkdir.json", atomically: true, encoding: .utf8)
        let denied = p.compose("run", "--rm", "app", "mkdir", "/made")
        #expect(denied.status != 0 && (denied.out + denied.err).contains("Operation not permitted"), "\(denied)")
        let allowed = p.compose("run", "--rm", "app", "touch", "/made")
        #expect(allowed.status == 0, "\(allowed)")
        let missing = p.compose("--profile", "broken", "up", "-d", "broken")
        #expect(
            missing.status != 0 && missing.err.contains("opening seccomp profile (\(p.dir)/missing.json)"), "\(missing)"
        )
        #expect(p.compose("ps", "-a", "-q").out.isEmpty)

        let root = try CLIRoot(prefix: "skiff-secopt-")
        defer { root.cleanUp() }
        let cli = root.skiff(
            "run", "--rm", "--network", "none", "--security-opt", "seccomp:" + p.dir + "/deny-mkdir.json", "busybox",
            "mkdir", "/made")
        #expect(cli.status != 0 && cli.err.contains("Operation not permitted"), "\(cli)")
    }
}
