import Foundation
import Glibc
import SkiffRuntime
import Testing

/// `FileIO.writeAll`: every byte through a pipe smaller than the data (a reader drains it meanwhile),
/// and an error that names what was written to.
@Suite("FileIO.writeAll")
struct WriteAllTests {
    @Test func writesEveryByteThroughAPipeSmallerThanTheData() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let reader = fds[0]
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var read: [UInt8] = []
        DispatchQueue.global().async {
            var buf = [UInt8](repeating: 0, count: 7000)
            while true {
                let n = Glibc.read(reader, &buf, buf.count)
                if n <= 0 { break }
                read += buf[..<n]
            }
            done.signal()
        }
        try FileIO.writeAll(fd: fds[1], bytes: bytes[...], path: "the pipe")
        close(fds[1])
        done.wait()
        #expect(read == bytes)
    }

    @Test func anErrorNamesThePath() {
        #expect { try FileIO.writeAll(fd: -1, bytes: [1, 2, 3], path: "/some/record") } throws: { error in
            let e = error as? SystemError
            return e?.errno == EBADF && e?.path == "/some/record"
        }
    }
}
