import CSystem

#if canImport(Glibc)
import Glibc
#endif

/// A descriptor sent over a Unix socket with a line of text (SCM_RIGHTS): how the exec waiter and skiff
/// pass a terminal's master.
public enum DescriptorPassing {
    /// Send `text` (not empty) with `fd` over the connected socket `socket`; false with errno on failure.
    public static func send(_ fd: Int32, with text: String, over socket: Int32) -> Bool {
        let bytes = Array(text.utf8)
        return csys_send_fd_with(socket, fd, bytes, bytes.count) == bytes.count
    }

    /// One message from `socket`: its text and the descriptor that came with it (close-on-exec; -1 when
    /// none). nil at end of file or on an error.
    public static func receive(from socket: Int32, capacity: Int = 512) -> (text: String, fd: Int32)? {
        var buf = [UInt8](repeating: 0, count: capacity)
        var fd: Int32 = -1
        let n = csys_recv_fd_with(socket, &buf, capacity, &fd)
        guard n > 0 else {
            if fd >= 0 { close(fd) }
            return nil
        }
        return (String(decoding: buf[0..<n], as: UTF8.self), fd)
    }
}
