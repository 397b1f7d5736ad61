import SkiffKit
import Testing

/// When a detached start runs in the CLI's own process (AdoptedStart) and when it goes through the
/// monitor's start helper: the fork continues in Swift, so only a process with one thread may take it.
@Suite("Adopted start: when the CLI launches the container itself")
struct AdoptedStartPolicyTests {
    @Test func onlyAPlainStartInAOneThreadProcessIsAdopted() {
        #expect(AdoptedStart.possible(attach: false, explaining: false, monitorRunnable: true, threads: 1))
        // Each of these takes the helper: the monitor waits for the attach client, collects the helper's
        // --explain events; a monitor that cannot run fails there with its message.
        #expect(!AdoptedStart.possible(attach: true, explaining: false, monitorRunnable: true, threads: 1))
        #expect(!AdoptedStart.possible(attach: false, explaining: true, monitorRunnable: true, threads: 1))
        #expect(
            !AdoptedStart.possible(attach: false, explaining: false, monitorRunnable: false, threads: 1))
        // A forked copy of a multi-threaded process may find a lock held by a thread it does not have.
        #expect(!AdoptedStart.possible(attach: false, explaining: false, monitorRunnable: true, threads: 2))
        #expect(
            !AdoptedStart.possible(attach: false, explaining: false, monitorRunnable: true, threads: nil))
    }

    @Test func theThreadCountComesFromProcStatus() {
        let status = "Name:\tskiff-main\nUmask:\t0022\nState:\tR (running)\nThreads:\t1\nSigQ:\t0/95594\n"
        #expect(AdoptedStart.threadCount(status: status) == 1)
        #expect(
            AdoptedStart.threadCount(status: status.replacingOccurrences(of: "Threads:\t1", with: "Threads:\t12")) == 12
        )
        #expect(AdoptedStart.threadCount(status: "Name:\tx\n") == nil)
    }
}
