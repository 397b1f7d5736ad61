import Foundation
import SkiffKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension CLIRoot {
    /// Run the CLI with its stdin, stdout and stderr on a new pseudo-terminal, as from a user's shell:
    /// the CLI leads a session of its own whose controlling terminal that is. `input` is typed into the
    /// terminal `typingAfter` seconds after the start (echo and line editing are the terminal's, as for a
    /// user); returns the exit status and everything the terminal showed.
    func skiffOnTerminal(
        _ args: [String], input: String, typingAfter: Double, timeout: Double = 60
    ) throws -> (status: Int32, shown: String) {
        // posix_openpt/unlockpt/ptsname, which Swift's Glibc does not import: TIOCSPTLCK and TIOCGPTN.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ENOTTY) }
        defer { close(master) }
        var unlock: Int32 = 0
        var number: Int32 = 0
        guard ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0 else {
            throw POSIXError(.ENOTTY)
        }
        let slave = "/dev/pts/\(number)"
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID (glibc's 0x80), then opening the terminal makes it the session's.
        posix_spawnattr_setflags(&attributes, Int16(0x80 | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, slave, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        var environment = ProcessInfo.processInfo.environment
        environment["SKIFF_ROOT"] = path
        environment.merge(self.environment) { $1 }
        let argv = ([executable] + args).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }

        var shown = [UInt8]()
        var typed = false
        let start = Date()
        var status: Int32 = 0
        var exited = false
        while Date().timeIntervalSince(start) < timeout {
            if !typed && Date().timeIntervalSince(start) >= typingAfter {
                _ = input.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count - 1) }
                typed = true
            }
            var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            var drained = true
            if poll(&p, 1, 50) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = read(master, &buffer, buffer.count)
                if n > 0 {
                    shown += buffer.prefix(n)
                    drained = false
                }
            }
            if !exited && waitpid(pid, &status, WNOHANG) == pid { exited = true }
            // Once the CLI is gone, what it printed is read until the terminal has nothing more (or hangs up).
            if exited && drained { break }
        }
        if !exited {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
            Issue.record("skiff \(args) did not finish on its terminal in \(timeout) s")
        }
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, String(decoding: shown, as: UTF8.self))
    }
}
