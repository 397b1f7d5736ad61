import Foundation
import SkiffKit
import Testing

/// Issue 14 item 11: attached `compose up` prints "NAME exited with code N" when a service stops,
/// follows a service its restart policy starts again, and stops the project on Ctrl-C although its
/// stdout is a pipe whose reader is gone (`skiff compose up | tee log`, tee taking the Ctrl-C too);
/// `up --wait` fails as soon as a waited-for container keeps restarting.
@Suite("Compose attached up", .serialized)
struct ComposeAttachedUpTests {
    typealias Project = ComposeEndToEndTests.Project

    @Test func exitLinesReattachAndCtrlCThroughAPipe() throws {
        let p = try Project(
            """
            name: s14att
            services:
              a:
                image: busybox
                command: ["sh", "-c", "trap 'echo a got TERM; exit 0' TERM; while true; do echo a tick; sleep 0.2; done"]
              b:
                image: busybox
                command: ["sh", "-c", "echo b run; sleep 0.5; exit 3"]
                restart: "on-failure:1"
            """)
        defer { p.cleanUp() }
        let pipe = Pipe()
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: Engine.skiffPath)
        proc.arguments = ["compose", "up"]
        proc.currentDirectoryURL = URL(fileURLWithPath: p.dir)
        var env = ProcessInfo.processInfo.environment
        env["SKIFF_ROOT"] = p.engine.root
        proc.environment = env
        proc.standardOutput = pipe
        proc.standardError = FileHandle.nullDevice
        proc.standardInput = FileHandle.nullDevice
        try proc.run()
        // Read as `tee` would, until b ran twice (its policy restarted it) and exited twice.
        var output = ""
        let reader = pipe.fileHandleForReading
        let deadline = Date().addingTimeInterval(40)
        func seen() -> Bool {
            output.components(separatedBy: "b-1  | b run").count - 1 >= 2
                && output.components(separatedBy: "s14att-b-1 exited with code 3").count - 1 >= 2
        }
        while !seen() && Date() < deadline && proc.isRunning {
            let data = reader.availableData
            if data.isEmpty { break }
            output += String(decoding: data, as: UTF8.self)
        }
        #expect(seen(), "\(output)")
        #expect(output.contains("a-1  | a tick"), "\(output)")
        // The reader goes away (tee got the Ctrl-C too), then skiff gets SIGINT.
        try reader.close()
        usleep(300_000)
        kill(proc.processIdentifier, SIGINT)
        let stopDeadline = Date().addingTimeInterval(30)
        while proc.isRunning && Date() < stopDeadline { usleep(50_000) }
        if proc.isRunning { kill(proc.processIdentifier, SIGKILL); Issue.record("compose up did not stop on SIGINT") }
        proc.waitUntilExit()
        #expect(
            proc.terminationReason == .exit && proc.terminationStatus == 130,
            "\(proc.terminationReason.rawValue) \(proc.terminationStatus)")
        #expect(
            p.engine.listContainers().allSatisfy { $0.status == .exited },
            "\(p.engine.listContainers().map { "\($0.name) \($0.status)" })")
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }

    @Test func upWaitFailsWhenAContainerKeepsRestarting() throws {
        let p = try Project(
            """
            name: s14wait
            services:
              bad:
                image: busybox
                command: ["sh", "-c", "sleep 0.3; exit 1"]
                restart: always
                healthcheck:
                  test: ["CMD", "true"]
                  interval: 30s
                  start_period: 60s
            """)
        defer { p.cleanUp() }
        // Without the check, --wait sat out the whole --wait-timeout (the helper gives up at 45 s).
        let up = p.compose("up", "--wait", "--wait-timeout", "120", timeout: 45)
        #expect(up.status != 0)
        #expect(
            up.err.contains("s14wait-bad-1") && (up.err.contains("restarting") || up.err.contains("exited")),
            "\(up.err)")
        let ids = p.engine.listContainers().map(\.id)
        #expect(p.compose("down").status == 0)
        p.checkNothingLeft(ids: ids)
    }
}
