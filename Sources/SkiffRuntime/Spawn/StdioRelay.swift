import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Pipes for an attached process that runs as another user and would otherwise get stdio it cannot
/// reopen (`/dev/stdout` on the caller's file or terminal, owned by root): its stdout and stderr become
/// pipes owned by its user, copied to the real destinations until the last writer closes them. runc's
/// foreground mode relays through pipes the same way.
struct StdioRelay {
    private var childEnds: [Int32] = []
    private var copies: [pthread_t] = []

    /// Rewrite `stdio` (-1: ours) so out and err are pipes the owner may reopen; nothing to do for root,
    /// for a terminal, or for stdio that is already an anonymous pipe (that is given to the owner).
    static func interpose(_ stdio: inout LaunchConfig.StandardIO, owner: StdioOwner?) throws(SpawnError) -> StdioRelay {
        var relay = StdioRelay()
        guard owner != nil else { return relay }
        for slot in [1, 2] {
            let given = slot == 1 ? stdio.out : stdio.err
            let destination = given >= 0 ? given : Int32(slot)
            if StdioOwner.isAnonymousPipe(destination) || fcntl(destination, F_GETFD) < 0 { continue }
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0, fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0
            else {
                relay.abandon()
                throw .system(SystemError("pipe for the process's stdio"))
            }
            guard let copy = Self.startCopy(from: fds[0], to: destination) else {
                close(fds[0])
                close(fds[1])
                relay.abandon()
                throw .system(SystemError("start a thread to copy the process's output"))
            }
            relay.childEnds.append(fds[1])
            relay.copies.append(copy)
            if slot == 1 { stdio.out = fds[1] } else { stdio.err = fds[1] }
        }
        return relay
    }

    /// After the spawn: the child holds its own copies of the write ends.
    mutating func childStarted() {
        for fd in childEnds { close(fd) }
        childEnds = []
    }

    /// Wait until every copy has reached end of file (the process and all it started closed their
    /// ends), so nothing it wrote is lost.
    mutating func finish() {
        childStarted()
        for thread in copies { pthread_join(thread, nil) }
        copies = []
    }

    /// The launch failed: close our ends and let each copy end on its own when the (killed) process's
    /// ends close, without waiting for it here.
    mutating func abandon() {
        childStarted()
        for thread in copies { pthread_detach(thread) }
        copies = []
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Bool {
        var done = 0
        while done < count {
            let n = write(fd, bytes + done, count - done)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    private final class Copy {
        let from: Int32
        let to: Int32
        init(from: Int32, to: Int32) {
            self.from = from
            self.to = to
        }
    }

    private static func startCopy(from: Int32, to: Int32) -> pthread_t? {
        let context = Unmanaged.passRetained(Copy(from: from, to: to)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let copy = Unmanaged<Copy>.fromOpaque(raw!).takeRetainedValue()
                var buffer = [UInt8](repeating: 0, count: 16384)
                var writable = true
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(copy.from, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    // A destination that stops taking output (a closed pipe) must not block the process: drain.
                    if writable { writable = buffer.withUnsafeBytes { Self.writeAll(copy.to, $0.baseAddress!, n) } }
                }
                close(copy.from)
                return nil
            }, context)
        if rc != 0 {
            Unmanaged<Copy>.fromOpaque(context).release()
            return nil
        }
        return thread
    }
}
