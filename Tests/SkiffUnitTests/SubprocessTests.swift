import SkiffRuntime
import Testing

/// `Subprocess`: run with input and captured output, spawn with stdio and wait, and how a child ended.
@Suite("Subprocess")
struct SubprocessTests {
    @Test func runFeedsStdinAndCapturesBothOutputs() throws {
        let input = Array(String(repeating: "0123456789abcdef", count: 20_000).utf8)  // more than a socket buffer
        let out = try Subprocess.run(["/bin/sh", "-c", "cat; echo oops >&2; exit 3"], input: input)
        #expect(out.stdout == input)
        #expect(out.stderr == Array("oops\n".utf8))
        #expect(out.status.exitCode == 3 && out.status.signal == nil)
        #expect("\(out.status)" == "exit status 3")
    }

    @Test func environmentIsTheOneGiven() throws {
        let out = try Subprocess.run(["/bin/sh", "-c", "echo \"$GREETING:$HOME\""], environment: ["GREETING=hi"])
        #expect(out.stdout == Array("hi:\n".utf8))
    }

    @Test func spawnAndWaitReportASignal() throws {
        let pid = try Subprocess.spawn(["/bin/sh", "-c", "kill -TERM $$"], stdin: .null, stdout: .null, stderr: .null)
        let status = try Subprocess.wait(pid)
        #expect(status.signal == 15 && status.exitCode == 143)
        #expect("\(status)" == "killed by signal 15")
    }

    @Test func aMissingProgramIsAnErrorNamingIt() {
        #expect { try Subprocess.run(["/nonexistent/tool"]) } throws: { "\($0)".contains("/nonexistent/tool") }
    }
}
