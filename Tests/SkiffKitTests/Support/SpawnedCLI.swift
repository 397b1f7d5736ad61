import Foundation
import SkiffKit
import SkiffSystem
import Testing

/// Programs run from a test with SkiffSystem's Subprocess (posix_spawn, waited by pid), not
/// Foundation's Process: output goes to files and nothing relies on Foundation noticing the exit.
enum SpawnedCLI {
    struct Result {
        var status: Int32
        var out: String
        var err: String
    }

    /// Run `argv` to the end (killed after `timeout` seconds, which fails the test).
    static func run(_ argv: [String], environment: [String: String] = [:], scratch: String, timeout: Double = 60)
        -> Result
    {
        let id = UUID().uuidString
        let outPath = scratch + "/.out-" + id, errPath = scratch + "/.err-" + id
        let out = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let err = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { unlink(outPath); unlink(errPath) }
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let pid: pid_t
        do {
            pid = try Subprocess.spawn(argv, environment: env, stdin: .null, stdout: .fd(out), stderr: .fd(err))
        } catch {
            close(out); close(err)
            Issue.record("\(argv[0]): \(error)")
            return Result(status: -1, out: "", err: "\(error)")
        }
        close(out); close(err)
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                Issue.record("\(argv.joined(separator: " ")) did not finish in \(timeout) s")
                break
            }
            usleep(20_000)
        }
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(
            status: code,
            out: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            err: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// `skiff ARGS` with `SKIFF_ROOT` set to `root`.
    static func skiff(_ args: [String], root: String, environment: [String: String] = [:], timeout: Double = 60)
        -> Result
    {
        run(
            [Engine.skiffPath] + args, environment: environment.merging(["SKIFF_ROOT": root]) { $1 }, scratch: root,
            timeout: timeout)
    }

    /// Start a server in the background (stdio to /dev/null); stop it with `stop`.
    static func start(_ argv: [String], environment: [String: String] = [:]) throws -> pid_t {
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        return try Subprocess.spawn(argv, environment: env, stdin: .null, stdout: .null, stderr: .null)
    }

    static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }
}
