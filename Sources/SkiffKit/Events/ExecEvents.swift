import Foundation
import SkiffSystem

/// An exec's events as Docker records them: `exec_create: CMD ARGS` and `exec_start: CMD ARGS` with the
/// exec's ID, then `exec_die` with its exit code once it ends: recorded here for an exec that is waited
/// for, by `container-internal exec-died` (run by the exec waiter, see ExecWaiter) for a detached one.
struct ExecEvents {
    let recorder: EventRecorder
    let container: ExecSubject
    let command: [String]
    let execID: String

    init(recorder: EventRecorder, container: ExecSubject, command: [String], execID: String? = nil) {
        self.recorder = recorder
        self.container = container
        self.command = command
        self.execID = execID ?? Self.newID()
    }

    /// 64 random hex digits, as Docker's exec IDs.
    static func newID() -> String {
        HexText.random(count: 64)
    }

    func started() {
        let line = command.concatenated(separator: " ")
        recorder.record(container: container, "exec_create: " + line, ["execID": execID])
        recorder.record(container: container, "exec_start: " + line, ["execID": execID])
    }

    func died(_ code: Int32) {
        recorder.record(container: container, "exec_die", ["execID": execID, "exitCode": "\(code)"])
    }
}
