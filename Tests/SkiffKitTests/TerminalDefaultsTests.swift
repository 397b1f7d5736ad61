import Foundation
import SkiffKit
import Testing

/// Docker's terminal rules, through the built CLI: `-t` gives TERM=xterm unless the container's
/// environment or `-e` names another, and `-it` with a stdin that is not a terminal is refused before
/// anything is made ("the input device is not a TTY", exit 1). CLIRoot's stdin is /dev/null.
@Suite(.serialized) struct TerminalDefaultsTests {
    static func line(_ r: CLIRoot.Result) -> String { r.out.trimmingCharacters(in: .whitespacesAndNewlines) }

    @Test func interactiveTerminalNeedsATerminal() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let run = root.skiff("run", "--rm", "-it", "busybox", "true")
        #expect(run.status == 1 && run.err.contains("the input device is not a TTY"), "\(run)")
        #expect(root.skiff("ps", "-aq").out.isEmpty, "a refused run -it left a container")
        #expect(root.skiff("run", "-d", "--name", "c", "--network", "none", "busybox", "sleep", "60").status == 0)
        let exec = root.skiff("exec", "-it", "c", "true")
        #expect(exec.status == 1 && exec.err.contains("the input device is not a TTY"), "\(exec)")
        // -t alone, or -i alone, needs no terminal here (as with Docker).
        #expect(root.skiff("exec", "-t", "c", "true").status == 0)
        #expect(root.skiff("exec", "-i", "c", "true").status == 0)
    }

    @Test func terminalGetsTermXtermUnlessGiven() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        #expect(
            Self.line(root.skiff("run", "--rm", "-t", "--network", "none", "busybox", "sh", "-c", "echo $TERM"))
                == "xterm")
        #expect(
            Self.line(
                root.skiff(
                    "run", "--rm", "-t", "-e", "TERM=vt100", "--network", "none", "busybox", "sh", "-c", "echo $TERM"))
                == "vt100")
        #expect(
            Self.line(root.skiff("run", "--rm", "--network", "none", "busybox", "sh", "-c", "echo TERM=$TERM"))
                == "TERM=")
        // A container made without -t: exec -t still gets a TERM, and -e still wins.
        #expect(root.skiff("run", "-d", "--name", "c", "--network", "none", "busybox", "sleep", "60").status == 0)
        #expect(Self.line(root.skiff("exec", "-t", "c", "sh", "-c", "echo $TERM")) == "xterm")
        #expect(Self.line(root.skiff("exec", "-t", "-e", "TERM=dumb", "c", "sh", "-c", "echo $TERM")) == "dumb")
        #expect(Self.line(root.skiff("exec", "c", "sh", "-c", "echo TERM=$TERM")) == "TERM=")
    }

    /// `-t` without `-i` gives the container a terminal but no input: what is typed at `run -t` reaches
    /// only the terminal's own echo, and Ctrl-C is a SIGINT forwarded to the container, as with Docker.
    /// `-it` on the same terminal gets the line, which shows the typing reaches a run that takes it.
    @Test func terminalWithoutInteractiveTakesNoInput() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        let readLine = ["sh", "-c", #"read -t 3 line; echo "got:[$line]""#]
        let base = ["run", "--rm", "--network", "none"]
        let interactive = try root.skiffOnTerminal(
            base + ["-it", "busybox"] + readLine, input: "hello\n", typingAfter: 1)
        #expect(interactive.status == 0 && interactive.shown.contains("got:[hello]"), "\(interactive)")
        let terminalOnly = try root.skiffOnTerminal(
            base + ["-t", "busybox"] + readLine, input: "hello\n", typingAfter: 1)
        #expect(terminalOnly.status == 0 && terminalOnly.shown.contains("got:[]"), "\(terminalOnly)")
        #expect(!terminalOnly.shown.contains("got:[hello]"), "\(terminalOnly)")

        let interrupted = try root.skiffOnTerminal(
            base + ["-t", "busybox", "sh", "-c", "trap 'echo interrupted; exit 3' INT; sleep 20 & wait"],
            input: "\u{03}", typingAfter: 1)
        #expect(interrupted.status == 3 && interrupted.shown.contains("interrupted"), "\(interrupted)")
    }
}
