import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Shell command lines run from a test, with posix_spawn and waited by pid. Not with Foundation's
/// Process: it learns of the exit through a socket the child inherits, which a daemon the command
/// starts (a container's conmon or monitor) would keep open; and reading a Pipe through FileHandle
/// traps on EINTR. Output goes through a file, and every fd above stderr is closed by the shell first,
/// so nothing the command leaves running holds this process's files.
public enum TestShell {
    /// Run `command` with bash, stdin from /dev/null; the exit status (128+signal when killed) and
    /// stdout and stderr together.
    @discardableResult
    public static func run(_ command: String) -> (status: Int32, output: String) {
        var template = Array("/tmp/skiff-test-sh-out-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { return (-1, "mkstemp failed") }
        close(fd)
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let closeInherited =
            #"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null; "#
        var argv: [UnsafeMutablePointer<CChar>?] = [
            strdup("/bin/bash"), strdup("-c"), strdup(closeInherited + command), nil,
        ]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", &actions, nil, &argv, environ) == 0 else {
            return (-1, "posix_spawn failed")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }

    /// Whether `program` is on $PATH.
    public static func has(_ program: String) -> Bool { run("command -v '\(program)'").status == 0 }
}
