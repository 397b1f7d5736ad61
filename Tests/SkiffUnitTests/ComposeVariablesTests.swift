import SkiffKit
import Testing

/// `compose config --variables` (the variables a model uses) and the spelling of Go's boolean flags
/// of `compose run`, `exec` and `commit` (`-i=false`), without root.
struct ComposeVariablesTests {
    @Test func expressionsGiveNameRequiredDefaultAndAlternate() {
        #expect(
            ComposeVariables.extract("a${TAG:-1.36}b $PLAIN $$ESCAPED ${NEED?msg} ${ALT:+on} ${D-x} ${R:?} ${P+y}")
                == [
                    ComposeVariable(name: "TAG", defaultValue: "1.36"), ComposeVariable(name: "PLAIN"),
                    ComposeVariable(name: "NEED", required: true), ComposeVariable(name: "ALT", alternateValue: "on"),
                    ComposeVariable(name: "D", defaultValue: "x"), ComposeVariable(name: "R", required: true),
                    ComposeVariable(name: "P", alternateValue: "y"),
                ])
        // A default holding another expression is kept as written.
        #expect(ComposeVariables.extract("${A:-${B}}") == [ComposeVariable(name: "A", defaultValue: "${B}")])
        #expect(ComposeVariables.extract("$$ and $ and ${} and ${1X}").isEmpty)
        #expect(ComposeVariables.extract("${UNCLOSED").isEmpty)
    }

    @Test func tableHasComposeColumns() {
        let table = ComposeVariables.table([
            ComposeVariable(name: "TAG", defaultValue: "1.36"), ComposeVariable(name: "NEED", required: true),
        ])
        #expect(
            table == """
                NAME                REQUIRED            DEFAULT VALUE       ALTERNATE VALUE
                TAG                 false               1.36                
                NEED                true                                    

                """)
        #expect(
            ComposeVariables.json([ComposeVariable(name: "A", alternateValue: "x\"y")])
                == "{\"A\":{\"Name\":\"A\",\"DefaultValue\":\"\",\"PresenceValue\":\"x\\\"y\",\"Required\":false}}\n")
        #expect(
            ComposeVariables.yaml([ComposeVariable(name: "T", defaultValue: "1.36")])
                == "T:\n  name: T\n  defaultvalue: \"1.36\"\n  presencevalue: \"\"\n  required: false\n")
    }

    @Test(arguments: [
        (["compose", "run", "-i=false", "web", "cat"], ["compose", "run", "--no-interactive", "web", "cat"]),
        (
            ["compose", "-p", "x", "run", "--rm", "--interactive=0", "-e", "-i=false", "web", "-i=false"],
            ["compose", "-p", "x", "run", "--rm", "--no-interactive", "-e", "-i=false", "web", "-i=false"]
        ),
        (
            ["compose", "exec", "--tty=false", "-i=true", "web", "sh"],
            ["compose", "exec", "-T", "--interactive", "web", "sh"]
        ),
        (["compose", "exec", "--no-TTY", "web", "sh"], ["compose", "exec", "-T", "web", "sh"]),
        (["compose", "commit", "-p=false", "web", "img"], ["compose", "commit", "--no-pause", "web", "img"]),
        // The global flags' values are skipped, not read as the command.
        (
            ["compose", "--ansi", "never", "--progress", "quiet", "-f", "a.yml", "run", "-i=false", "web"],
            ["compose", "--ansi", "never", "--progress", "quiet", "--file", "a.yml", "run", "--no-interactive", "web"]
        ),
        (["compose", "commit", "-m", "-p=false", "web"], ["compose", "commit", "-m", "-p=false", "web"]),
        // Not a Go boolean word, or not a flag of the command: left for the parser to refuse.
        (["compose", "run", "-i=maybe", "web"], ["compose", "run", "-i=maybe", "web"]),
        (["compose", "up", "-i=false"], ["compose", "up", "-i=false"]),
        (["compose", "run", "--i=false", "web"], ["compose", "run", "--i=false", "web"]),
    ])
    func goBooleanFlagsAreSpelledForTheParser(given: [String], expected: [String]) {
        #expect(ComposeCommandLine.normalized(given) == expected)
    }
}
