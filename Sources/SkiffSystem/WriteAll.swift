#if canImport(Glibc)
import Glibc
#endif

extension FileIO {
    /// Write every byte to `fd`, retrying short writes and EINTR. An error names `path` (the file, or
    /// what the fd stands for) when given; a write that makes no progress is EIO.
    public static func writeAll(fd: Int32, bytes: UnsafeRawBufferPointer, path: String? = nil) throws(SystemError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("write", path: path)
            }
            if n == 0 { throw SystemError("write", path: path, errno: EIO) }
            offset += n
        }
    }

    /// `writeAll` of a collection's bytes. Inlinable, to be specialized where it is called: unspecialized,
    /// it looks its witnesses up at run time on first use (an exec's CPU, issue 15).
    @inlinable
    public static func writeAll<Bytes: Collection>(fd: Int32, bytes: Bytes, path: String? = nil) throws(SystemError)
    where Bytes.Element == UInt8 {
        let done: Result<Void, SystemError>? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(SystemError) {
                try writeAll(fd: fd, bytes: UnsafeRawBufferPointer(buffer), path: path)
                return .success(())
            } catch { return .failure(error) }
        }
        if let done { try done.get() } else { try writeAll(fd: fd, bytes: Array(bytes), path: path) }
    }
}
