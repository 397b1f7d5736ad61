import Foundation

/// An exec's events as Docker records them: `exec_create: CMD ARGS` and `exec_start: CMD ARGS` with the
/// exec's ID, then `exec_die` with its exit code once it ends (known here for an exec that is waited for).
struct ExecEvents {
    let recorder: EventRecorder
    let container: Container
    let command: [String]
    let execID: String

    init(recorder: EventRecorder, container: Container, command: [String]) {
        self.recorder = recorder
        self.container = container
        self.command = command
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        execID = bytes.map { String(format: "%02x", $0) }.joined()
    }

    func started() {
        let line = command.joined(separator: " ")
        recorder.record(container: container, "exec_create: " + line, ["execID": execID])
        recorder.record(container: container, "exec_start: " + line, ["execID": execID])
    }

    func died(_ code: Int32) {
        recorder.record(container: container, "exec_die", ["execID": execID, "exitCode": "\(code)"])
    }
}
