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
}
