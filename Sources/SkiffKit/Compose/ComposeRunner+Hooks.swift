import Foundation
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

/// The lifecycle hooks of the Compose Spec (Docker Compose 2.30+): each `post_start` command runs in
/// the service's container, as `exec` does, once it has started; each `pre_stop` command before it is
/// stopped (`stop`, `down`, a recreate, a scale-down, `restart`). As in Docker Compose, a hook that exits
/// non-zero is an error: after a start the service counts as failed (its container keeps running, as
/// Compose leaves it), before a stop the container is not stopped. The hook's output is shown as
/// Compose's `web-1 ->` lines.
extension ComposeRunner {
    /// Run the `post_start` hooks of `c`'s service in it.
    func runPostStartHooks(_ c: Container) throws(ComposeError) {
        guard let s = c.composeService.flatMap({ project.service($0) }) else { return }
        for hook in s.postStart { try runHook(hook, kind: "post_start", service: s.name, in: c) }
    }

    /// Run the `pre_stop` hooks of `c`'s service in it, while it runs.
    func runPreStopHooks(_ c: Container) throws(ComposeError) {
        guard let s = c.composeService.flatMap({ project.service($0) }), !s.preStop.isEmpty else { return }
        guard let now = try? engine.container(c.id), now.status == .running, !engine.isPaused(now) else { return }
        for hook in s.preStop { try runHook(hook, kind: "pre_stop", service: s.name, in: c) }
    }

    private func runHook(_ hook: ComposeServiceHook, kind: String, service: String, in c: Container)
        throws(ComposeError)
    {
        var request = hook.execRequest(callerEnvironment: callerEnvironment)
        let output = HookOutput()
        request.stdio = (-1, output.fd, output.fd)
        let status: ExitStatus?
        do { status = try engine.exec(c.id, request) } catch {
            throw .usage("service \(service): \(kind) hook \(ShellWords.join(hook.command)): \(error)")
        }
        let prefix = c.name.hasPrefix(project.name + "-") ? String(c.name.dropFirst(project.name.count + 1)) : c.name
        for line in output.lines() { progress("\(prefix) -> | \(line)") }
        if let status, status.shellStatus != 0 {
            throw .usage(
                "service \(service): \(kind) hook \(ShellWords.join(hook.command)) exited with status \(status.shellStatus)"
            )
        }
    }
}

/// Where a hook's stdout and stderr go: an unlinked temporary file, read back once the hook is done
/// (a pipe would need a reader running beside the exec).
private final class HookOutput {
    let fd: Int32

    init() {
        var template = Array((NSTemporaryDirectory() + "/skiff-hook-XXXXXX").utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd >= 0 {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The lines written, at most the last 64 KiB.
    func lines() -> [String] {
        guard fd >= 0 else { return [] }
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return [] }
        let count = Int(min(size, 65_536))
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, size - off_t(count)) }
        guard n > 0 else { return [] }
        return String(decoding: bytes.prefix(n), as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
