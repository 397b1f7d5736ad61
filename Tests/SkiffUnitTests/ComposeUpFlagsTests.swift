import Foundation
import Testing

@testable import SkiffKit

/// `compose up`'s attach and abort flags: refused combinations in Docker Compose's words, what a flag
/// implies, the services whose logs are shown, and the exit code Compose's log printer arrives at.
@Suite("compose up flags")
struct ComposeUpFlagsTests {
    typealias Flags = ComposeRunner.UpFlags

    static func refusal(_ change: (inout Flags) -> Void) -> String? {
        var f = Flags()
        change(&f)
        do { try f.validate() } catch { return error.description }
        return nil
    }

    @Test func combinationsComposeRefuses() {
        let detach =
            "--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, --attach-dependencies or --watch"
        #expect(
            Self.refusal {
                $0.detach = true; $0.abortOnContainerExit = true
            } == detach)
        #expect(
            Self.refusal {
                $0.detach = true; $0.abortOnContainerFailure = true
            } == detach)
        #expect(
            Self.refusal {
                $0.detach = true; $0.exitCodeFrom = "t"
            } == detach)
        #expect(
            Self.refusal {
                $0.detach = true; $0.attach = ["a"]
            } == detach)
        #expect(
            Self.refusal {
                $0.detach = true; $0.attachDependencies = true
            } == detach)
        #expect(
            Self.refusal {
                $0.wait = true; $0.exitCodeFrom = "t"
            }
                == "--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies")
        // --wait implies -d, which then refuses --abort-on-container-failure.
        #expect(
            Self.refusal {
                $0.wait = true; $0.abortOnContainerFailure = true
            } == detach)
        #expect(
            Self.refusal {
                $0.abortOnContainerExit = true; $0.abortOnContainerFailure = true
            }
                == "--abort-on-container-failure cannot be combined with --abort-on-container-exit")
        #expect(
            Self.refusal {
                $0.build = true; $0.noBuild = true
            } == "--build and --no-build are incompatible")
        #expect(
            Self.refusal {
                $0.alwaysRecreateDeps = true; $0.noRecreate = true
            }
                == "--always-recreate-deps and --no-recreate are incompatible")
        #expect(Self.refusal { $0.pull = "sometimes" } == "invalid --pull option \"sometimes\"")
        #expect(
            Self.refusal {
                $0.attach = ["a"]; $0.attachDependencies = true
            }
                == "cannot combine --attach and --attach-dependencies")
        for policy in ["always", "missing", "never", "build"] { #expect(Self.refusal { $0.pull = policy } == nil) }
        #expect(
            Self.refusal {
                $0.attach = ["a"]; $0.noAttach = ["b"]
            } == nil)
    }

    @Test func exitCodeFromImpliesAbortOnExitUnlessOnFailure() throws {
        var f = Flags()
        f.exitCodeFrom = "t"
        try f.validate()
        #expect(f.cascade == .stop)
        var g = Flags()
        g.exitCodeFrom = "t"
        g.abortOnContainerFailure = true
        try g.validate()
        #expect(g.cascade == .fail)
        var w = Flags()
        w.wait = true
        try w.validate()
        #expect(w.detach && w.cascade == .ignore)
    }

    static func service(_ name: String, dependsOn: [String] = [], attach: Bool = true) -> ComposeService {
        var s = ComposeService(name: name)
        s.dependsOn = dependsOn.map { ComposeDependency(service: $0) }
        s.attach = attach
        return s
    }

    @Test func attachedServices() throws {
        let db = Self.service("db")
        let cache = Self.service("cache", dependsOn: ["db"])
        let web = Self.service("web", dependsOn: ["cache"])
        let noisy = Self.service("noisy", attach: false)
        let all = [db, cache, web, noisy]
        var f = Flags()
        // `up`: every service but the one with attach: false.
        #expect(try f.attachedServices(named: [], selected: all) == ["db", "cache", "web"])
        // `up web`: web only, its dependencies run unattached.
        #expect(try f.attachedServices(named: ["web"], selected: [db, cache, web]) == ["web"])
        f.attachDependencies = true
        #expect(try f.attachedServices(named: ["web"], selected: [db, cache, web]) == ["db", "cache", "web"])
        f.noAttach = ["cache"]
        #expect(try f.attachedServices(named: ["web"], selected: [db, cache, web]) == ["db", "web"])
        var a = Flags()
        a.attach = ["noisy", "db"]
        #expect(try a.attachedServices(named: [], selected: all) == ["noisy", "db"])
        do {
            _ = try a.attachedServices(named: ["web"], selected: [db, cache, web])
            Issue.record("attached a service up does not bring up")
        } catch {
            #expect(error.description == "cannot attach to services not included in up: noisy")
        }
    }

    @Test func exitCodeAsComposesPrinter() {
        typealias State = ComposeRunner.CascadeState
        // --abort-on-container-exit: the first service to stop gives the code; the stops the abort
        // causes do not change it.
        var stop = State(cascade: .stop, exitCodeFrom: nil)
        let r1 = stop.stopped(service: "fail", code: 1)
        #expect(r1)
        let r2 = stop.stopped(service: "sleep", code: 137)
        #expect(!r2)
        #expect(stop.aborting && stop.exitCode == 1)
        // --exit-code-from sleep: the named service's code, whichever stopped first.
        var from = State(cascade: .stop, exitCodeFrom: "sleep")
        let r3 = from.stopped(service: "fail", code: 1)
        #expect(r3)
        let r4 = from.stopped(service: "sleep", code: 137)
        #expect(!r4)
        #expect(from.exitCode == 137)
        // --abort-on-container-failure: a zero exit does not abort, a failure does and gives its code.
        var fail = State(cascade: .fail, exitCodeFrom: nil)
        let r5 = fail.stopped(service: "ok", code: 0)
        #expect(!r5)
        #expect(!fail.aborting && fail.exitCode == 0)
        let r6 = fail.stopped(service: "bad", code: 3)
        #expect(r6)
        let r7 = fail.stopped(service: "other", code: 0)
        #expect(!r7)
        #expect(fail.exitCode == 3)
        // No abort flag: up's code stays 0.
        var none = State(cascade: .ignore, exitCodeFrom: nil)
        let r8 = none.stopped(service: "bad", code: 3)
        #expect(!r8)
        #expect(none.exitCode == 0)
    }
}
