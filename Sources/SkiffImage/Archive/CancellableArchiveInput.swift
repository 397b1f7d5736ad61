import CArchive
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// libarchive input from a descriptor that a cancelled command stops reading: each read first polls
/// the descriptor beside `Cancellation.wakeFD`, so a load or import from a pipe whose writer stalls
/// (`skiff load < fifo`) still ends on Ctrl-C. archive_read_open_fd would block in read(2) for good.
final class CancellableArchiveInput {
    private let fd: Int32
    private let buffer: UnsafeMutableRawBufferPointer

    private init(fd: Int32, blockSize: Int) {
        self.fd = fd
        buffer = .allocate(byteCount: blockSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// archive_read_open on `fd` (not closed here); returns libarchive's status. A regular file cannot
    /// stall, so it gets archive_read_open_fd (and its error messages); the entry loops check for
    /// cancellation between entries.
    static func open(_ archive: OpaquePointer, fd: Int32, blockSize: Int = 1 << 20) -> Int32 {
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
            return archive_read_open_fd(archive, fd, blockSize)
        }
        let input = Unmanaged.passRetained(CancellableArchiveInput(fd: fd, blockSize: blockSize)).toOpaque()
        // libarchive calls the close callback on failure too; it releases the input.
        return archive_read_open(archive, input, nil, readCallback, closeCallback)
    }

    private func read(_ archive: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> la_ssize_t {
        while true {
            var fds = [
                pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: Cancellation.wakeFD, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                return -1
            }
            // libarchive's archive_set_error is variadic (not callable from Swift): the caller reports
            // a cancelled read as cancelled, and a failed read as a truncated archive.
            if Cancellation.isCancelled { return -1 }
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return -1
            }
            out?.pointee = UnsafeRawPointer(buffer.baseAddress)
            return n
        }
    }

    private static let readCallback:
        @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?) ->
            la_ssize_t = { archive, context, out in
                Unmanaged<CancellableArchiveInput>.fromOpaque(context!).takeUnretainedValue().read(archive, out)
            }

    private static let closeCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32 = {
        _, context in
        if let context { Unmanaged<CancellableArchiveInput>.fromOpaque(context).release() }
        return ARCHIVE_OK
    }
}
