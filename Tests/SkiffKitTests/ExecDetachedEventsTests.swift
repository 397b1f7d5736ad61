import Foundation
import SkiffKit
import SkiffSystem
import SkiffTestSupport
import Testing

/// `exec -d`'s exec_die (issue 14): the process is waited for by the exec waiter (skiff-monitor -E),
/// so its end is recorded as Docker records it, with the exec's ID and exit code, after the command
/// itself has returned.
@Suite(
    "exec -d records exec_die", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ExecDetachedEventsTests {
    /// `Action exitCode execID` of the container's exec events.
    static func execEvents(_ root: CLIRoot) -> [[String]] {
        root.skiff(
            "events", "--since", "1h", "--until", "0s", "-f", "container=a", "--format",
            "{{.Action}}|{{.Actor.Attributes.exitCode}}|{{.Actor.Attributes.execID}}"
        ).out.split(separator: "\n").filter { $0.hasPrefix("exec_") }.map {
            $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        }
    }

    @Test func theEndOfADetachedExecIsRecorded() throws {
        let root = try CLIRoot()
        defer { root.cleanUp() }
        #expect(root.skiff("run", "-d", "--name", "a", "--network", "none", "busybox", "sleep", "1000").status == 0)
        let exec = root.skiff("exec", "-d", "-e", "CODE=5", "a", "sh", "-c", "sleep 1; exit $CODE")
        #expect(exec.status == 0 && exec.out.isEmpty, "\(exec.err)")
        #expect(!Self.execEvents(root).contains { $0[0] == "exec_die" }, "the command returns before the process ends")
        #expect(root.eventually(15) { Self.execEvents(root).contains { $0[0] == "exec_die" } })
        let events = Self.execEvents(root)
        #expect(
            events.map { $0[0] } == [
                "exec_create: sh -c sleep 1; exit $CODE", "exec_start: sh -c sleep 1; exit $CODE", "exec_die",
            ])
        #expect(events.last?[1] == "5", "\(events)")
        #expect(Set(events.map { $0[2] }).count == 1 && events[0][2].count == 64, "one exec ID: \(events)")

        // A process the container's stop kills ends as SIGKILL's 137; nothing is left waiting.
        #expect(root.skiff("exec", "-d", "a", "sleep", "1000").status == 0)
        #expect(root.skiff("stop", "-t", "1", "a").status == 0)
        #expect(root.eventually(15) { Self.execEvents(root).filter { $0[0] == "exec_die" }.count == 2 })
        #expect(Self.execEvents(root).last?[1] == "137")
        #expect(root.eventually(5) { HostLeftovers.processesMentioning(root.path).isEmpty })

        // Refused as before: the waiter passes the exit status and the message through.
        #expect(root.skiff("start", "a").status == 0)
        let missing = root.skiff("exec", "-d", "a", "nosuchcommand")
        #expect(missing.status == 127 && missing.err.contains("nosuchcommand"), "\(missing.status) \(missing.err)")
    }

    /// `compose exec -d` goes under the waiter too: its process's end is recorded as exec_die.
    @Test func composeExecDetachedRecordsExecDie() throws {
        let p = try ComposeEndToEndTests.Project(
            """
            services:
              app:
                image: busybox
                network_mode: none
                command: ["sleep", "1000"]
            """)
        defer { p.cleanUp() }
        #expect(p.compose("up", "-d").status == 0)
        func events() -> [[String]] {
            let out = Pipe()
            let events = Process()
            events.executableURL = URL(fileURLWithPath: Engine.skiffPath)
            events.arguments = [
                "events", "--since", "1h", "--until", "0s", "--format",
                "{{.Action}}|{{.Actor.Attributes.exitCode}}|{{.Actor.Attributes.execID}}",
            ]
            events.environment = ProcessInfo.processInfo.environment.merging(["SKIFF_ROOT": p.engine.root]) { $1 }
            events.standardOutput = out
            try? events.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            events.waitUntilExit()
            return text.split(separator: "\n").filter { $0.hasPrefix("exec_") }.map {
                $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            }
        }
        let exec = p.compose("exec", "-d", "app", "sh", "-c", "sleep 1; exit 6")
        #expect(exec.status == 0 && exec.out.isEmpty, "\(exec.err)")
        #expect(p.engine.listContainers().count == 1)
        #expect(Poll.until(15) { events().contains { $0[0] == "exec_die" } }, "\(events())")
        let recorded = events()
        #expect(
            recorded.map { $0[0] } == [
                "exec_create: sh -c sleep 1; exit 6", "exec_start: sh -c sleep 1; exit 6", "exec_die",
            ])
        #expect(recorded.last?[1] == "6" && Set(recorded.map { $0[2] }).count == 1, "\(recorded)")
        #expect(p.compose("down", "-t", "0").status == 0)
        #expect(Poll.until(5) { HostLeftovers.processesMentioning(p.engine.root).isEmpty })
    }
}
