import Foundation
import Glibc
import SkiffTestSupport
import Testing

@testable import SkiffRuntime

/// What the tests of Skiff's real callers (Docker, containerd) share: finding the tools, a private
/// directory, starting a daemon by hand and stopping it by its pid, and removing all it made.
enum CallerDaemon {
    /// Whether the programs exist. Missing ones fail the test in CI (CI=true) and skip it elsewhere,
    /// saying why.
    static func toolsPresent(_ paths: [String], install: String) -> Bool {
        let missing = paths.filter { access($0, X_OK) != 0 }
        guard !missing.isEmpty else { return true }
        let why = "\(missing.joined(separator: ", ")) missing: install \(install) (Scripts/setup --test)"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record(Comment(rawValue: why))
        } else {
            print("skipping: \(why)")
        }
        return false
    }

    static func tempDirectory(_ prefix: String) throws -> String { try TemporaryDirectory.make(prefix) }

    @discardableResult
    static func shell(_ command: String) -> (status: Int32, output: String) { TestShell.run(command) }

    /// Start `command` in its own session in the background, its output to `log`; returns its pid.
    static func startDaemon(_ command: String, log: String) throws -> Int32 {
        let started = shell("setsid \(command) > '\(log)' 2>&1 < /dev/null & echo $!")
        return try #require(Int32(started.output.trimmingCharacters(in: .whitespacesAndNewlines)), "\(started.output)")
    }

    /// SIGTERM, up to `seconds` for it to go, then SIGKILL.
    static func stop(pid: Int32, seconds: Double = 30) {
        guard pid > 0, kill(pid, SIGTERM) == 0 else { return }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid || kill(pid, 0) != 0 { return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        usleep(200_000)
    }

    /// Poll `condition` for up to `seconds`.
    static func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        Poll.until(seconds, interval: 0.1, condition)
    }

    /// Unmount everything under `dir` (deepest first), kill what still runs from it, remove it.
    static func removeEverything(under dir: String) {
        // Processes still holding the directory (a shim, a proxy): their command line names it.
        // "[/]tmp/..." matches the processes but not this shell's own command line.
        let pattern = "[" + String(dir.prefix(1)) + "]" + dir.dropFirst()
        shell("for p in $(pgrep -f '\(pattern)'); do kill -9 $p; done 2>/dev/null; sleep 0.2")
        shell(
            "grep -F ' \(dir)' /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null")
        shell("rm -rf '\(dir)'")
    }

    /// rmdir a cgroup (and what is under it) in every hierarchy, e.g. "skiff-test-docker-ab12".
    static func removeCgroup(_ name: String) {
        shell(
            "for d in /sys/fs/cgroup/*/\(name) /sys/fs/cgroup/\(name); do [ -d \"$d\" ] && find \"$d\" -depth -type d -exec rmdir {} \\; ; done 2>/dev/null"
        )
    }

    /// Global directories a daemon makes whatever its flags say (/run/docker/plugins, /run/containerd/s
    /// for shim sockets): the ones that did not exist before, to remove after.
    static func absent(_ paths: [String]) -> [String] {
        paths.filter { !FileManager.default.fileExists(atPath: $0) }
    }
}
