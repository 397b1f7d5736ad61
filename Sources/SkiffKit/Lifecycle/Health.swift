import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// One healthcheck probe (the monitor runs `container-internal health` every interval): exec the
    /// test in the container with the timeout, record the result in State.Health as Docker does —
    /// healthy after a success, unhealthy after `retries` failures in a row (not counting failures
    /// within the start period); the last 5 probes kept. Returns whether the check passed (the monitor
    /// paces its checks by it during the start period).
    @discardableResult
    public func runHealthProbe(id: String) throws(KitError) -> Bool {
        let c = try containers.load(id: id)
        guard let check = c.healthcheck, c.status == .running else { return false }
        let dir = containers.directory(of: id)
        let outPath = dir + "/health.out"
        let pidPath = dir + "/health.pid"
        let out = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if out < 0 { throw .system(SystemError("open", path: outPath)) }
        let start = Timestamp.now()
        var request = ExecRequest(command: check.command)
        request.detach = true
        request.stdio = (-1, out, out)
        request.pidFile = pidPath
        var code: Int32
        var output = ""
        do {
            _ = try exec(id, request)
            close(out)
            let pid =
                Int32((try? FileIO.readString(pidPath))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
            unlink(pidPath)
            code = Self.waitChild(pid, timeout: Double(check.timeout) / 1e9)
            if code == -1 {
                output = "Health check exceeded timeout (\(check.timeout / 1_000_000_000)s)"
            }
        } catch {
            close(out)
            code = 1
            output = "\(error)"
        }
        if output.isEmpty, let text = try? FileIO.read(outPath) {
            output = String(decoding: text.prefix(4096), as: UTF8.self)
        }
        unlink(outPath)
        let end = Timestamp.now()
        let probe = HealthState.Probe(Start: start, End: end, ExitCode: code, Output: output)
        let before = c.health?.status
        let after = try containers.update(id: id) { c throws(KitError) in
            guard c.status == .running else { return }
            var health = c.health ?? HealthState()
            health.log = Array((health.log + [probe]).suffix(5))
            if code == 0 {
                health.status = .healthy
                health.failingStreak = 0
            } else {
                let started = c.startedAt.flatMap(Timestamp.parse) ?? 0
                let inStartPeriod = Timestamp.nowSeconds() - started < Double(check.startPeriod) / 1e9
                if !inStartPeriod || health.status != .starting {
                    health.failingStreak += 1
                    if health.failingStreak >= check.retries { health.status = .unhealthy }
                }
            }
            c.health = health
        }
        if let now = after.health?.status, now != before, now != .starting {
            events.record(container: after, "health_status: \(now.rawValue)")
        }
        return code == 0
    }

    /// Wait for our child `pid` for at most `timeout` seconds; its exit code (128+signal), or -1 after
    /// killing it on timeout.
    static func waitChild(_ pid: Int32, timeout: Double) -> Int32 {
        guard pid > 0 else { return 1 }
        var timedOut = false
        if let process = PidFD(pid: pid), !process.waitForExit(timeout: timeout) {
            timedOut = true
            process.signal(SIGKILL)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return timedOut ? -1 : 1 }
        }
        if timedOut { return -1 }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }
}
