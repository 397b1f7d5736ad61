import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// `StartOptions.alongsideSetup`: a detached start's caller works (a container's network) while the init
/// sets itself up, and the init must not run its process until that work is done. Each test would pass
/// on a runtime that ignored the gate only by luck it cannot have: the work waits 300 ms, the init's
/// set-up takes a few.
@Suite("Work beside the init's set-up", .enabled(if: BusyboxFixture.available, BusyboxFixture.skipReason))
struct AlongsideSetupTests {
    /// The pids of this thread's children (the runtime spawns the init from the calling thread). Another
    /// test run on this thread earlier may have left one: compare with the list taken just before the launch.
    private static func childrenOfThisThread() -> [Int32] {
        let text = (try? String(contentsOfFile: "/proc/thread-self/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The process's command name now (the init is still skiff until its execve).
    private static func executable(_ pid: Int32) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"))
    }

    /// A file the work writes on the host, bound into the container (on the fixture's own /mnt, so the
    /// shared rootfs gains no mount point): the process reads it first thing.
    @Test func theInitRunsItsProcessOnlyOnceTheWorkIsDone() throws {
        try ContainerSandbox.with { sandbox in
            let shared = sandbox.directory + "/shared"
            try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false)
            var spec = try BusyboxFixture.spec(["/bin/cat", "/mnt/flag"])
            spec.mounts =
                (spec.mounts ?? []) + [
                    Mount(destination: "/mnt", type: "bind", source: shared, options: ["bind", "ro"])
                ]
            let id = sandbox.newID("beside")
            let bundle = try sandbox.bundle(spec)
            var (options, closeAll, out, err) = try sandbox.stdioOptions(id: id)
            defer { closeAll() }
            let seen = SeenDuringWork()
            let before = Self.childrenOfThisThread()
            options.alongsideSetup = {
                // The init exists while the work runs: it is this thread's child, still skiff's image.
                let children = Self.childrenOfThisThread().filter { !before.contains($0) }
                seen.children = children
                usleep(300_000)
                seen.executables = children.compactMap(Self.executable)
                try "written by the work\n".write(toFile: shared + "/flag", atomically: false, encoding: .utf8)
            }
            let started = try sandbox.runtime.runDetached(id: id, bundle: bundle, options: options)
            #expect(seen.children == [started.pid], "the init was spawned before the work ran")
            #expect(
                seen.executables.allSatisfy { !$0.hasSuffix("/cat") && !$0.hasSuffix("/busybox") },
                "the init ran its process before the work was done: \(seen.executables)")
            #expect(sandbox.waitFor { sandbox.read(out) == "written by the work\n" }, "\(sandbox.read(err))")
            sandbox.reap(pid: started.pid)
        }
    }

    struct WorkFailed: Error, CustomStringConvertible {
        var description: String { "the network could not be made" }
    }

    /// A failure of the work kills the init (its process never runs) and leaves nothing of the container:
    /// the sandbox's finish checks the state directory, the cgroups and the mounts.
    @Test func aFailedWorkEndsTheInitAndLeavesNothing() throws {
        try ContainerSandbox.with { sandbox in
            let marker = sandbox.directory + "/ran"
            var spec = try BusyboxFixture.spec(["/bin/touch", "/tmp/ran"])
            spec.mounts =
                (spec.mounts ?? []) + [
                    Mount(destination: "/tmp", type: "bind", source: sandbox.directory, options: ["bind"])
                ]
            let id = sandbox.newID("besidefail")
            let bundle = try sandbox.bundle(spec)
            var (options, closeAll, _, _) = try sandbox.stdioOptions(id: id)
            defer { closeAll() }
            let seen = SeenDuringWork()
            let before = Self.childrenOfThisThread()
            options.alongsideSetup = {
                seen.children = Self.childrenOfThisThread().filter { !before.contains($0) }
                usleep(100_000)
                throw WorkFailed()
            }
            #expect {
                try sandbox.runtime.runDetached(id: id, bundle: bundle, options: options)
            } throws: { error in
                guard case RuntimeError.alongside(let inner) = error else { return false }
                return inner is WorkFailed && "\(error)" == "the network could not be made"
            }
            #expect(seen.children.count == 1)
            for pid in seen.children { #expect(kill(pid, 0) != 0, "the init \(pid) is still there") }
            usleep(100_000)
            #expect(!FileManager.default.fileExists(atPath: marker), "the container's process ran")
            #expect(sandbox.leftovers(of: id).isEmpty, "\(sandbox.leftovers(of: id))")
        }
    }

    /// The exec's own failures reach the caller as without a gate (Docker's 127 and 126).
    @Test(arguments: [("/no/such/program", 127), ("/etc/passwd", 126)])
    func theProcessFailingToExecIsReportedAfterTheGate(program: String, exitStatus: Int32) throws {
        try ContainerSandbox.with { sandbox in
            let spec = try BusyboxFixture.spec([program])
            let id = sandbox.newID("besideexec")
            let bundle = try sandbox.bundle(spec)
            var (options, closeAll, _, _) = try sandbox.stdioOptions(id: id)
            defer { closeAll() }
            options.alongsideSetup = {}
            #expect {
                try sandbox.runtime.runDetached(id: id, bundle: bundle, options: options)
            } throws: { error in
                guard case RuntimeError.spawn(let spawn) = error else { return false }
                return spawn.dockerExitStatus == exitStatus
            }
        }
    }
}

/// What the work saw, read after the launch (the work runs on the launching thread).
private final class SeenDuringWork: @unchecked Sendable {
    var children: [Int32] = []
    var executables: [String] = []
}
