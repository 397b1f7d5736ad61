import Foundation
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// The runtime's side of OCI hooks, without root: argv and env exactly as the hook gives them, the state
/// JSON on stdin, a failure named by kind, path and status with what the hook wrote, the timeout.
@Suite("OCI hook runner")
struct HookRunnerTests {
    let state = State(id: "hook-unit", status: .creating, pid: 4242, bundle: "/b", annotations: ["k": "v"])

    func tempFile() -> String {
        NSTemporaryDirectory() + "/skiff-hook-unit-\(UInt32.random(in: 0...UInt32.max))"
    }

    @Test func argvEnvAndStateOnStdin() throws {
        let out = tempFile()
        defer { unlink(out) }
        // args[0] is only the name the program sees; path is what runs.
        let hook = Hook(
            path: "/bin/sh",
            args: [
                "my-hook-name", "-c",
                "{ head -c 12 /proc/$$/cmdline; echo \"|$0|$ONLY\"; env | grep -c . ; cat; } > \(out)", "x",
            ],
            env: ["ONLY=set"])
        try HookRunner.run([hook], kind: .prestart, state: state)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n", maxSplits: 2).map(
            String.init)
        #expect(lines.first == "my-hook-name|x|set")
        #expect(Int(lines[1]) ?? 99 <= 3, "the hook's env is its own (sh adds PWD and the like): \(lines[1])")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any])
        #expect(
            json["id"] as? String == "hook-unit" && json["pid"] as? Int == 4242
                && json["status"] as? String == "creating")
        #expect(json["bundle"] as? String == "/b" && (json["annotations"] as? [String: String]) == ["k": "v"])
    }

    @Test func aFailureNamesKindPathStatusAndOutput() {
        let hook = Hook(path: "/bin/sh", args: ["sh", "-c", "echo first line; echo second >&2; exit 7"])
        #expect {
            try HookRunner.run(
                [Hook(path: "/bin/true"), hook, Hook(path: "/no/such/hook")], kind: .createRuntime, state: state)
        } throws: { error in
            "\(error)" == "createRuntime hook /bin/sh: exit status 7: first line second"
        }
        #expect {
            try HookRunner.run([Hook(path: "/no/such/hook")], kind: .poststop, state: state)
        } throws: { error in
            "\(error)".hasPrefix("poststop hook /no/such/hook: cannot execute: ")
        }
    }

    @Test func aHookPastItsTimeoutIsKilled() {
        let started = Date()
        #expect {
            try HookRunner.run(
                [Hook(path: "/bin/sleep", args: ["sleep", "30"], timeout: 1)], kind: .poststart, state: state)
        } throws: { error in
            "\(error)" == "poststart hook /bin/sleep: timed out after 1s (killed)"
        }
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func aHookThatDoesNotReadItsStdinStillSucceeds() throws {
        var big = state
        big.annotations = ["blob": String(repeating: "x", count: 300_000)]
        try HookRunner.run([Hook(path: "/bin/true")], kind: .prestart, state: big)
    }
}
