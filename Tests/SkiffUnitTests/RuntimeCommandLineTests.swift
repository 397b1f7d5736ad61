import SkiffOCICommands
import Testing

/// The runtime's command line (skiff-oci, `skiff oci`), parsed from the commands' tables as runc's Go
/// flag parsing takes it.
@Suite("Runtime command line")
struct RuntimeCommandLineTests {
    static func spec(_ name: String) throws -> RuntimeCommandSpec {
        try #require(RuntimeMain.specs.first { $0.name == name })
    }

    static func parse(_ name: String, _ words: [String]) throws -> RuntimeArguments {
        try RuntimeArguments(words, for: try spec(name))
    }

    @Test func optionsBeforeAndAfterTheOperandsInEverySpelling() throws {
        for words in [
            ["--bundle", "/b", "--pid-file=/p", "-d", "c1"], ["c1", "-b", "/b", "--pid-file", "/p", "--detach"],
            ["-bundle", "/b", "c1", "-pid-file=/p", "-detach=true"],
            ["--bundle=/b", "--pid-file", "/p", "-d", "--", "c1"],
        ] {
            let a = try Self.parse("run", words)
            #expect(a.operands == ["c1"] && a.string("bundle") == "/b" && a.string("pid-file") == "/p", "\(words)")
            #expect(a.flag("detach"), "\(words)")
            #expect(!a.flag("keep") && !a.wantsHelp)
        }
        #expect(try !Self.parse("run", ["-d=false", "c1"]).flag("detach"))
    }

    @Test func aValueIsTheNextWordWhateverItLooksLike() throws {
        let a = try Self.parse("update", ["--memory", "-1", "--cpu-quota", "-1", "--pids-limit=-1", "c1"])
        #expect(a.string("memory") == "-1" && a.operands == ["c1"])
        #expect(try a.number("cpu-quota", as: Int64.self) == -1)
        #expect(try a.number("pids-limit", as: Int64.self) == -1)
        // Either name of an option is its key's.
        #expect(try Self.parse("update", ["--cpu-shares", "512", "c1"]).string("cpu-share") == "512")
    }

    @Test func repeatedOptionsKeepEveryValueInOrder() throws {
        let a = try Self.parse(
            "exec", ["-e", "A=1", "--env", "B=2", "--env=C=3", "-g", "10", "-g", "11", "c1", "true"])
        #expect(a.strings("env") == ["A=1", "B=2", "C=3"])
        #expect(try a.numbers("additional-gids", as: UInt32.self) == [10, 11])
    }

    @Test func execAndPsTakeEveryWordAfterTheIdAsItIs() throws {
        let exec = try Self.parse("exec", ["-t", "c1", "sh", "-c", "echo -h --help", "-d"])
        #expect(exec.operands == ["c1"] && exec.rest == ["sh", "-c", "echo -h --help", "-d"])
        #expect(exec.flag("tty") && !exec.flag("detach") && !exec.wantsHelp)
        #expect(try Self.parse("exec", ["c1", "--", "ls", "-l"]).rest == ["ls", "-l"])
        #expect(try Self.parse("exec", ["c1", "--", "--", "x"]).rest == ["--", "x"])
        let ps = try Self.parse("ps", ["--format", "json", "c1", "-o", "pid"])
        #expect(ps.string("format") == "json" && ps.rest == ["-o", "pid"])
    }

    @Test func aNegativeNumberIsAnOperand() throws {
        let spec = RuntimeCommandSpec(
            "exited", "test",
            operands: [.containerID, RuntimeOperand("code", help: ""), RuntimeOperand("signal", help: "")])
        #expect(try RuntimeArguments(["c1", "-1", "9"], for: spec).operands == ["c1", "-1", "9"])
    }

    @Test func anOptionalOperandMayBeLeftOut() throws {
        #expect(try Self.parse("kill", ["c1"]).operand(1) == nil)
        let a = try Self.parse("kill", ["c1", "KILL", "--all"])
        #expect(a.operand(1) == "KILL" && a.flag("all"))
    }

    @Test(arguments: [
        ("state", [String](), "\"state\" requires exactly 1 argument(s): missing container-id"),
        ("state", ["a", "b"], "unexpected argument \"b\""),
        ("kill", ["--bogus", "c1"], "flag provided but not defined: --bogus"),
        ("run", ["c1", "--bundle"], "flag needs an argument: --bundle"),
        ("run", ["--detach=maybe", "c1"], "invalid boolean value \"maybe\" for --detach"),
        ("delete", ["c1", "--", "c2"], "unexpected argument \"c2\""),
    ])
    func badCommandLinesNameWhatIsWrong(command: String, words: [String], message: String) throws {
        #expect(throws: CommandLineError(message, command: command)) { try Self.parse(command, words) }
    }

    @Test func aBadNumberNamesItsFlag() throws {
        let a = try Self.parse("update", ["--cpu-period", "soon", "c1"])
        #expect(
            throws: CommandLineError(
                "invalid value \"soon\" for flag --cpu-period: expected a whole number", command: "update")
        ) {
            _ = try a.number("cpu-period", as: UInt64.self)
        }
    }

    @Test func helpIsAskedForBeforeTheOperandsAreChecked() throws {
        #expect(try Self.parse("state", ["-h"]).wantsHelp)
        #expect(try Self.parse("run", ["--help"]).wantsHelp)
    }

    @Test func everyCommandHasDistinctOptionNames() {
        for spec in RuntimeMain.specs {
            let names = spec.options.flatMap(\.names) + ["h", "help"]
            #expect(Set(names).count == names.count, "\(spec.name): \(names)")
        }
    }
}
