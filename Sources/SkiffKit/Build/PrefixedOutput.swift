import Foundation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A RUN step's output while stages build at the same time: the command writes into a pipe, and each
/// line is written on with the stage's prefix (`[builder] `), whole, so two stages' lines never mix.
final class PrefixedOutput: @unchecked Sendable {
    /// The pipe's write end, given to the container as stdout and stderr.
    private(set) var input: Int32
    private let output: Int32
    private let reader: Int32
    private let prefix: [UInt8]
    private let control: BuildControl
    private let done = DispatchSemaphore(value: 0)

    init(prefix: String, to fd: Int32, control: BuildControl) throws(BuildError) {
        var fds: [Int32] = [-1, -1]
        // Close-on-exec: a container another stage starts meanwhile must not hold the write end open
        // (the runtime's child also marks every fd above stdio close-on-exec before it execs).
        guard pipe(&fds) == 0 else { throw .wrap(SystemError("pipe")) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        reader = fds[0]
        input = fds[1]
        output = fd
        self.prefix = Array(prefix.utf8)
        self.control = control
        let thread = Thread { [self] in self.relay() }
        thread.start()
    }

    private func relay() {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            pending += buffer[0..<n]
            if let last = pending.lastIndex(of: UInt8(ascii: "\n")) {
                flush(pending[...last])
                pending.removeSubrange(...last)
            }
        }
        if !pending.isEmpty { flush((pending + [UInt8(ascii: "\n")])[...]) }
        close(reader)
        done.signal()
    }

    private func flush(_ lines: ArraySlice<UInt8>) {
        var out: [UInt8] = []
        for line in lines.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
            out += prefix
            out += line
            out.append(UInt8(ascii: "\n"))
        }
        control.write(out, to: output)
    }

    /// Close the write end and wait until everything written before is out.
    func finish() {
        guard input >= 0 else { return }
        close(input)
        input = -1
        done.wait()
    }
}
