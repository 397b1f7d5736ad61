import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// Docker's check before a command attaches its stdin to a container's terminal (`run -it`, `exec -it`):
/// a terminal needs one at this end too, so a pipe or a file on stdin is refused before anything is
/// made, with Docker's words and exit status 1.
enum TerminalInput {
    static func require(tty: Bool, attachingStdin: Bool) throws {
        guard tty, attachingStdin, isatty(STDIN_FILENO) == 0 else { return }
        FileHandleStderr.write("the input device is not a TTY\n")
        throw ExitCode(1)
    }
}
