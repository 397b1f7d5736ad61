#if canImport(Glibc)
import Glibc
#endif

/// Small, allocation-light file helpers for kernel interfaces (cgroupfs, procfs), where each write is
/// one write(2) and an error must name the file.
public enum FileIO {
    /// Write `value` to an existing file in one write(2) (cgroupfs and procfs want that).
    public static func write(_ value: String, to path: String) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open", path: path) }
        defer { close(fd) }
        var bytes = Array(value.utf8)
        if bytes.isEmpty { bytes = [] }
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n < 0 { throw SystemError("write \"\(value)\" to", path: path) }
    }

    /// Create or replace a file with `contents` (not atomic; see `writeAtomically`).
    public static func create(_ path: String, contents: [UInt8], mode: mode_t = 0o644) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        if fd < 0 { throw SystemError("create", path: path) }
        defer { close(fd) }
        try writeAll(fd: fd, bytes: contents, path: path)
    }

    /// Write to a temporary file beside `path`, then rename over it: readers never see half a file.
    /// (No fsync: these are state records, where a crash may lose the last write but never tears one.)
    public static func writeAtomically(_ path: String, contents: [UInt8], mode: mode_t = 0o644) throws(SystemError) {
        let tmp = path + ".tmp.\(getpid())"
        do {
            try create(tmp, contents: contents, mode: mode)
        } catch {
            unlink(tmp)
            throw error
        }
        if rename(tmp, path) != 0 {
            let e = SystemError("rename", path: path)
            unlink(tmp)
            throw e
        }
    }

    /// Read a whole file. Works for procfs/cgroupfs files whose stat size is 0.
    public static func read(_ path: String) throws(SystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open", path: path) }
        defer { close(fd) }
        var out: [UInt8] = []
        try readBlocks(fd: fd, path: path, blockSize: 16384) { out.append(contentsOf: $0) }
        return out
    }

    /// Read `fd` to its end, handing each block to `body` (`path` names it in errors): for a file that
    /// need not fit in memory, or one whose stat size says nothing (procfs). A regular file smaller than
    /// a block gets a buffer of its size: a build hashes every file of its context, and a zeroed 1 MB
    /// buffer per small file was a tenth of a cached rebuild (perf record of `skiff build`).
    public static func readBlocks(
        fd: Int32, path: String, blockSize: Int = 1 << 20,
        _ body: (ArraySlice<UInt8>) -> Void
    ) throws(SystemError) {
        var size = blockSize
        var st = stat()
        if fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size > 0, st.st_size < blockSize {
            size = Int(st.st_size) + 1  // one byte more: a file that grew since is still read to its end
        }
        var buf = [UInt8](repeating: 0, count: size)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path: path)
            }
            if n == 0 { return }
            body(buf[0..<n])
        }
    }

    public static func readString(_ path: String) throws(SystemError) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// mkdir -p. Existing directories are fine.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0 && errno != EEXIST {
                throw SystemError("mkdir", path: prefix)
            }
        }
    }
}
