import SkiffImage
import SkiffKit
import Testing

/// The Dockerfile language without running anything: good forms parse to the expected
/// instructions; each malformed file fails with its `Dockerfile:LINE: message`.
@Suite("Dockerfile parser")
struct BuildParserTests {
    func parse(_ text: String) throws -> Dockerfile { try DockerfileParser().parse(text) }

    struct Good: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var keyword: Instruction.Keyword
        var arguments: Instruction.Arguments
        var line: Int
        var testDescription: String { name }
    }

    static let good: [Good] = [
        Good(
            name: "shell form", text: "FROM busybox\nRUN echo hi", keyword: .run, arguments: .shell("echo hi"), line: 2),
        Good(
            name: "exec form", text: "FROM busybox\nCMD [\"sh\", \"-c\", \"echo hi\"]", keyword: .cmd,
            arguments: .exec(["sh", "-c", "echo hi"]), line: 2),
        Good(
            name: "bad JSON falls back to shell form", text: "FROM busybox\nCMD [not json]", keyword: .cmd,
            arguments: .shell("[not json]"), line: 2),
        Good(
            name: "lowercase keyword", text: "from busybox\nrun true", keyword: .run, arguments: .shell("true"), line: 2
        ),
        Good(
            name: "continuation", text: "FROM busybox\nRUN echo a \\\n    && echo b", keyword: .run,
            arguments: .shell("echo a     && echo b"), line: 2),
        Good(
            name: "comment and blank inside a continuation", text: "FROM busybox\n\n# c\nRUN echo a \\\n# inner\n\n  b",
            keyword: .run, arguments: .shell("echo a   b"), line: 4),
        Good(
            name: "escape directive", text: "# escape=`\nFROM busybox\nRUN echo a `\n b", keyword: .run,
            arguments: .shell("echo a  b"), line: 3),
        Good(
            name: "syntax directive then escape",
            text: "# syntax=docker/dockerfile:1\n# escape=`\nFROM busybox\nRUN dir c:\\ `\n x",
            keyword: .run, arguments: .shell("dir c:\\  x"), line: 4),
        Good(
            name: "CRLF line ends", text: "FROM busybox\r\nENV A=1\r\n", keyword: .env, arguments: .shell("A=1"),
            line: 2),
        Good(
            name: "flags before arguments", text: "FROM busybox AS b\nCOPY --from=b --chown=1:2 /a /b", keyword: .copy,
            arguments: .shell("/a /b"), line: 2),
        Good(
            name: "heredoc", text: "FROM busybox\nRUN <<EOF\necho one\necho two\nEOF\n", keyword: .run,
            arguments: .shell("<<EOF"), line: 2),
        Good(
            name: "ARG before FROM", text: "ARG V=1\nFROM busybox:$V\nUSER nobody", keyword: .user,
            arguments: .shell("nobody"), line: 3),
    ]

    @Test(arguments: good)
    func parsesGoodForm(_ c: Good) throws {
        let file = try parse(c.text)
        let last = try #require(file.instructions.last)
        #expect(last.keyword == c.keyword)
        #expect(last.arguments == c.arguments)
        #expect(last.line == c.line)
    }

    @Test func heredocBodiesAndFlags() throws {
        let file = try parse(
            "FROM busybox\nRUN <<-EOF\n\techo one\n\tEOF\nCOPY <<'CONF' /etc/app.conf\nname=$X\nCONF\nRUN true")
        #expect(
            file.instructions[1].heredocs == [
                Instruction.Heredoc(name: "EOF", content: "echo one\n", quoted: false, stripTabs: true)
            ])
        #expect(file.instructions[2].heredocs.first?.quoted == true)
        #expect(file.instructions[2].heredocs.first?.content == "name=$X\n")
        #expect(file.instructions[3].line == 8)
        let copy = try parse("FROM busybox\nCOPY --chmod=755 --chown=app:app a b").instructions[1]
        #expect(copy.flag("chmod") == "755")
        #expect(copy.flag("chown") == "app:app")
        #expect(try parse("# escape=`\nFROM x").escape == "`")
        #expect(try parse("# syntax=docker/dockerfile:1.7\nFROM x").syntax == "docker/dockerfile:1.7")
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        var text: String
        var error: String
        var testDescription: String { error }
    }

    static let bad: [Bad] = [
        Bad(text: "", error: "Dockerfile:1: the Dockerfile has no instructions"),
        Bad(text: "# only a comment\n", error: "Dockerfile:2: the Dockerfile has no instructions"),
        Bad(text: "FROM busybox\nRUNN echo", error: "Dockerfile:2: unknown instruction: RUNN"),
        Bad(
            text: "RUN echo hi\nFROM busybox",
            error:
                "Dockerfile:1: no build stage in current context: RUN must come after a FROM (only ARG may come before the first FROM)"
        ),
        Bad(text: "ARG A\n", error: "Dockerfile:2: the Dockerfile has no FROM instruction"),
        Bad(
            text: "FROM a b", error: "Dockerfile:1: FROM requires either one or three arguments (FROM image [AS name])"),
        Bad(
            text: "FROM a AS 1st",
            error:
                "Dockerfile:1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols"
        ),
        Bad(text: "FROM busybox\n\nRUN", error: "Dockerfile:3: RUN requires at least one argument"),
        Bad(text: "FROM busybox\nENV", error: "Dockerfile:2: ENV requires at least one argument"),
        Bad(
            text: "FROM busybox\nENV A",
            error: "Dockerfile:2: ENV must have two arguments (ENV NAME VALUE, or ENV NAME=VALUE)"),
        Bad(
            text: "FROM busybox\nENV A=1 B",
            error: "Dockerfile:2: Syntax error - can't find = in \"B\". Must be of the form: name=value"),
        Bad(text: "FROM busybox\nENV =1", error: "Dockerfile:2: ENV names can not be blank"),
        Bad(text: "FROM busybox\nLABEL", error: "Dockerfile:2: LABEL requires at least one argument"),
        Bad(
            text: "FROM busybox\nCOPY onlyone",
            error:
                "Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined."
        ),
        Bad(
            text: "FROM busybox\nCOPY --chmod=u+x a b",
            error: "Dockerfile:2: --chmod=u+x: expected an octal mode such as 755 or 0644"),
        Bad(
            text: "FROM busybox\nRUN --mount=type=cache,tagret=/root/.cache true",
            error:
                "Dockerfile:2: --mount=type=cache,tagret=/root/.cache: unexpected key 'tagret' in 'tagret=/root/.cache' (keys: type, from, source, src, target, dst, destination, readonly, ro, readwrite, rw, id, sharing, required, mode, uid, gid, size, env)"
        ),
        Bad(
            text: "FROM busybox\nRUN --mount=type=volume,target=/x true",
            error:
                "Dockerfile:2: --mount=type=volume,target=/x: unsupported mount type \"volume\" (expected bind, cache, tmpfs, secret, ssh)"
        ),
        Bad(
            text: "FROM busybox\nRUN --mount=type=cache true",
            error: "Dockerfile:2: --mount=type=cache: mount type cache needs a target (target=/path)"),
        Bad(
            text: "FROM busybox\nRUN --mount=type=cache,target=/c,sharing=all true",
            error:
                "Dockerfile:2: --mount=type=cache,target=/c,sharing=all: unsupported sharing value \"all\" (expected shared, private or locked)"
        ),
        Bad(
            text: "FROM busybox\nRUN --mount=type=secret,id=a,mode=999 true",
            error:
                "Dockerfile:2: --mount=type=secret,id=a,mode=999: invalid value 999 for mode (expected an octal mode such as 0755)"
        ),
        Bad(
            text: "FROM busybox\nRUN --mount=type=bind,target=/x,mode=0644 true",
            error: "Dockerfile:2: --mount=type=bind,target=/x,mode=0644: mode not allowed for \"bind\" type mounts"),
        Bad(
            text: "FROM busybox\nRUN --mount=type=cache,target=/x,required true",
            error:
                "Dockerfile:2: --mount=type=cache,target=/x,required: unexpected key 'required' for mount type 'cache'"),
        Bad(
            text: "FROM busybox\nRUN --mount=type=secret,from=x,id=a true",
            error: "Dockerfile:2: --mount=type=secret,from=x,id=a: secret mount should not have a from"),
        Bad(
            text: "FROM busybox\nRUN --mount=type=secret true",
            error: "Dockerfile:2: --mount=type=secret: invalid secret mount. one of source, target required"),
        Bad(
            text: "FROM busybox\nRUN --mount=type=tmpfs,target=/t,size=lots true",
            error: "Dockerfile:2: --mount=type=tmpfs,target=/t,size=lots: invalid value for size: lots"),
        Bad(
            text: "FROM busybox\nRUN --mount=type=bind,target=/t,from=$X true",
            error:
                "Dockerfile:2: --mount=type=bind,target=/t,from=$X: 'from' doesn't support variable expansion, define alias stage instead"
        ),
        Bad(
            text: "FROM busybox\nRUN --mount=target true",
            error: "Dockerfile:2: --mount=target: invalid field 'target' must be a key=value pair"),
        Bad(
            text: "FROM busybox\nRUN --network=bridge true",
            error: "Dockerfile:2: RUN --network=bridge: expected default, none or host"),
        Bad(
            text: "FROM busybox\nRUN --security=root true",
            error: "Dockerfile:2: RUN --security=root: expected sandbox or insecure"),
        Bad(
            text: "FROM busybox\nCOPY --frm=x a b",
            error:
                "Dockerfile:2: unknown flag: --frm (COPY takes --chmod, --chown, --exclude, --from, --link, --parents)"),
        Bad(text: "FROM busybox\nENV --x=1", error: "Dockerfile:2: unknown flag: --x (ENV takes no flags)"),
        Bad(
            text: "FROM busybox\nSHELL /bin/bash -c",
            error: "Dockerfile:2: SHELL requires the arguments to be in JSON form, e.g. SHELL [\"/bin/bash\", \"-c\"]"),
        Bad(
            text: "FROM busybox\nHEALTHCHECK PING x",
            error: "Dockerfile:2: Unknown type \"PING\" in HEALTHCHECK (try CMD)"),
        Bad(
            text: "FROM busybox\nHEALTHCHECK --interval=abc CMD true",
            error:
                "Dockerfile:2: --interval=abc: expected a duration such as 30s, 1m30s or 500ms (unknown unit \"abc\")"),
        Bad(
            text: "FROM busybox\nHEALTHCHECK --timeout=99999999h CMD true",
            error: "Dockerfile:2: --timeout=99999999h: larger than the maximum (2562047h47m16.854775807s)"),
        Bad(
            text: "FROM busybox\nHEALTHCHECK NONE extra",
            error: "Dockerfile:2: HEALTHCHECK NONE takes no other arguments"),
        Bad(
            text: "FROM busybox\nONBUILD ONBUILD RUN x",
            error: "Dockerfile:2: chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        Bad(text: "FROM busybox\nONBUILD FROM x", error: "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger"),
        Bad(text: "FROM busybox\nONBUILD RUNX y", error: "Dockerfile:2: unknown instruction: RUNX"),
        Bad(
            text: "FROM busybox\nRUN cat <<EOF\nline\n",
            error: "Dockerfile:2: unterminated heredoc: no line \"EOF\" ends the here-document started by <<EOF"),
        Bad(text: "# escape=x\nFROM busybox", error: "Dockerfile:1: invalid escape 'x': must be ` or \\"),
        Bad(
            text: "# escape=`\n# escape=\\\nFROM busybox",
            error: "Dockerfile:2: only one escape parser directive can be used"),
        Bad(text: "FROM busybox\nRUN a \\\n b\nWORKDIR", error: "Dockerfile:4: WORKDIR requires at least one argument"),
        Bad(text: "FROM busybox\nARG =x", error: "Dockerfile:2: ARG names can not be blank"),
    ]

    @Test(arguments: bad)
    func rejectsMalformed(_ c: Bad) {
        do {
            _ = try parse(c.text)
            Issue.record("parsed: \(c.text)")
        } catch {
            #expect("\(error)" == c.error)
        }
    }

    @Test func duplicateStageAndUnknownTarget() throws {
        let file = try parse("FROM busybox AS a\nRUN true\nFROM busybox AS A\n")
        #expect(throws: BuildError.dockerfile(file: "Dockerfile", line: 3, message: "duplicate stage name \"a\"")) {
            _ = try StageResolver(file)
        }
        let two = try StageResolver(
            try parse("FROM busybox AS base\nFROM busybox AS unused\nFROM base\nCOPY --from=base /a /b"))
        #expect(try two.plan(target: nil) { $0 } == [0, 2])
        #expect(try two.plan(target: "unused") { $0 } == [1])
        #expect(throws: BuildError.self) { try two.plan(target: "nope") { $0 } }
    }

    // MARK: variables

    struct Expansion: CustomTestStringConvertible, Sendable {
        var input: String
        var output: String
        var testDescription: String { input }
    }

    static let expansions: [Expansion] = [
        Expansion(input: "$A", output: "a"),
        Expansion(input: "${A}b", output: "ab"),
        Expansion(input: "${UNSET:-x}", output: "x"),
        Expansion(input: "${EMPTY:-x}", output: "x"),
        Expansion(input: "${EMPTY-x}", output: ""),
        Expansion(input: "${UNSET-x}", output: "x"),
        Expansion(input: "${A:+y}", output: "y"),
        Expansion(input: "${EMPTY:+y}", output: ""),
        Expansion(input: "${EMPTY+y}", output: "y"),
        Expansion(input: "${UNSET+y}", output: ""),
        Expansion(input: "${UNSET:-${A}2}", output: "a2"),
        Expansion(input: "'$A'", output: "$A"),
        Expansion(input: "\"$A b\"", output: "a b"),
        Expansion(input: "\\$A", output: "$A"),
        Expansion(input: "$", output: "$"),
        Expansion(input: "$UNSET.x", output: ".x"),
        Expansion(input: "a\\ b", output: "a b"),
    ]

    @Test(arguments: expansions)
    func expands(_ c: Expansion) throws {
        let e = VariableExpander(values: ["A": "a", "EMPTY": ""])
        #expect(try e.expand(c.input) == c.output)
    }

    @Test func expansionErrors() {
        let e = VariableExpander(values: [:])
        #expect(throws: VariableExpander.Failure(message: "missing '}' in substitution ${A")) { try e.expand("${A") }
        #expect(throws: VariableExpander.Failure.self) { try e.expand("${A%b}") }
        #expect(throws: VariableExpander.Failure(message: "A: needed")) { try e.expand("${A:?needed}") }
        #expect(throws: VariableExpander.Failure.self) { try e.expand("'open") }
        #expect(VariableExpander.split("a \"b c\" 'd e' f\\ g") == ["a", "\"b c\"", "'d e'", "f\\ g"])
    }

    // MARK: patterns

    @Test func pathPatterns() throws {
        #expect(try PathPattern("*.py").matches("app.py"))
        #expect(try !PathPattern("*.py").matches("src/app.py"))
        #expect(try PathPattern("**/*.py").matches("src/app.py"))
        #expect(try PathPattern("**/*.py").matches("app.py"))
        #expect(try PathPattern("src/**").matches("src/a/b"))
        #expect(try PathPattern("file?.txt").matches("file1.txt"))
        #expect(try PathPattern("[a-c]x").matches("bx"))
        #expect(try !PathPattern("[^a-c]x").matches("bx"))
        #expect(PathPattern.clean("./a//b/../c") == "a/c")
        #expect(PathPattern.clean("../x") == nil)
        let rules = try IgnoreRules(parsing: "# comment\n*.log\nbuild\n!build/keep.txt\n**/secret\n")
        #expect(rules.excludes("a.log"))
        #expect(!rules.excludes("dir/a.log"))
        #expect(rules.excludes("build/out.o"))
        #expect(!rules.excludes("build/keep.txt"))
        #expect(rules.excludes("deep/down/secret"))
        #expect(!rules.excludes("app.py"))
    }
}
