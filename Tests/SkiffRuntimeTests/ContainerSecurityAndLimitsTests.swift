import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// Docker's security defaults and the cgroup limits, observed from inside a real container.
@Suite(
    "Container security and limits (root, real kernel)",
    .enabled(if: BusyboxFixture.available, BusyboxFixture.skipReason))
struct ContainerSecurityAndLimitsTests {
    let probe = BusyboxFixture.probe

    @Test func capabilitiesAreDockersDefaultSet() throws {
        try ContainerSandbox.with { sandbox in
            let result = try sandbox.run(BusyboxFixture.dockerSpec([probe, "caps"]))
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            let expected = try CapabilitySet(names: DockerDefaults.capabilities).rawValue
            func mask(_ key: String) -> UInt64? { result.values[key].flatMap { UInt64($0, radix: 16) } }
            #expect(mask("CapEff") == expected, "\(result.stdout)")
            #expect(mask("CapPrm") == expected, "\(result.stdout)")
            #expect(mask("CapBnd") == expected, "\(result.stdout)")
            #expect(mask("CapInh") == 0, "\(result.stdout)")
            #expect(mask("CapAmb") == 0, "\(result.stdout)")
        }
    }

    @Test func syscallOutsideTheAllowlistFailsWithEPERM() throws {
        try ContainerSandbox.with { sandbox in
            let script = "\(probe) seccomp; \(probe) syscall keyctl"
            let result = try sandbox.run(BusyboxFixture.dockerSpec(["/bin/sh", "-c", script]))
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines == ["2", "errno=EPERM"], "seccomp mode, then keyctl: \(lines)")

            // The same call without the profile is allowed: the EPERM above is the filter's.
            var open = BusyboxFixture.dockerSpec([probe, "syscall", "keyctl"])
            open.linux?.seccomp = nil
            let control = try sandbox.run(open)
            #expect(control.trimmed != "errno=EPERM", "keyctl fails even without seccomp: \(control.stdout)")
        }
    }

    @Test func memoryLimitOOMKillsAtTheLimit() throws {
        try ContainerSandbox.with { sandbox in
            var spec = try BusyboxFixture.spec([probe, "alloc", "256"])
            let limit: Int64 = 32 << 20
            spec.linux?.resources = LinuxResources(memory: LinuxMemory(limit: limit, swap: limit))
            let result = try sandbox.run(spec)
            #expect(result.status.shellStatus == 137, "\(result.status); stderr: \(result.stderr)")
            let reached =
                result.stdout.split(separator: "\n").last { $0.hasPrefix("allocated=") }
                .flatMap { Int($0.dropFirst("allocated=".count)) } ?? 0
            #expect(reached >= 8 && reached < 32, "killed after \(reached) MiB of a 32 MiB limit")
            #expect(!result.stdout.contains("done="))
        }
    }

    @Test func pidsLimitStopsAForkLoop() throws {
        try ContainerSandbox.with { sandbox in
            var spec = try BusyboxFixture.spec([probe, "fork-loop", "64"])
            spec.linux?.resources = LinuxResources(pids: LinuxPids(limit: 16))
            let result = try sandbox.run(spec)
            #expect(result.status.code == 0, "stderr: \(result.stderr)")
            let forked = Int(result.values["forked"] ?? "") ?? -1
            #expect(forked >= 0 && forked < 16, "\(result.stdout)")
            #expect(result.values["errno"] == "EAGAIN", "\(result.stdout)")
        }
    }

    @Test(arguments: [0, 3, 42])
    func exitCodeComesBack(code: Int32) throws {
        try ContainerSandbox.with { sandbox in
            let result = try sandbox.run(try BusyboxFixture.spec([probe, "exit", "\(code)"]))
            #expect(result.status == SkiffRuntime.ExitStatus(code: code, signal: nil))
            #expect(result.status.shellStatus == code)
        }
    }

    @Test func killedProcessReports137() throws {
        try ContainerSandbox.with { sandbox in
            // A fault is delivered even to PID 1 of a pid namespace: a real signal death, from inside.
            let segv = try sandbox.run(try BusyboxFixture.spec([probe, "kill-self", "SEGV"]))
            #expect(segv.status == SkiffRuntime.ExitStatus(code: nil, signal: SIGSEGV), "\(segv.stderr)")
            #expect(segv.status.shellStatus == 139)

            // SIGKILL from outside while attached: a second thread kills it through the runtime.
            let id = sandbox.newID("kill")
            let bundle = try sandbox.bundle(try BusyboxFixture.spec([probe, "pause"]))
            var (options, closeAll, out, _) = try sandbox.stdioOptions(id: id)
            defer { closeAll() }
            options.pidFile = sandbox.directory + "/\(id).pid"
            let runtime = sandbox.runtime
            let box = ResultBox()
            let done = DispatchSemaphore(value: 0)
            let opts = options
            Thread.detachNewThread {
                box.set(
                    Result { () throws(RuntimeError) -> SkiffRuntime.ExitStatus in
                        try runtime.run(id: id, bundle: bundle, options: opts)
                    })
                done.signal()
            }
            // The pid file is written once the record is saved (the process may say ready before that).
            let pidFile = options.pidFile ?? ""
            let ready = sandbox.waitFor { sandbox.read(out).contains("ready") && !sandbox.read(pidFile).isEmpty }
            #expect(ready, "the container never said ready")
            try runtime.kill(id: id, signal: SIGKILL)
            #expect(done.wait(timeout: .now() + 20) == .success, "run did not return after SIGKILL")
            let status = try box.get()?.get()
            #expect(status?.shellStatus == 137, "\(String(describing: status))")
        }
    }
}

/// Carries a result across threads in a test.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<SkiffRuntime.ExitStatus, RuntimeError>?

    func set(_ v: Result<SkiffRuntime.ExitStatus, RuntimeError>) {
        lock.lock(); defer { lock.unlock() }
        value = v
    }

    func get() -> Result<SkiffRuntime.ExitStatus, RuntimeError>? {
        lock.lock(); defer { lock.unlock() }
        return value
    }
}
