#if canImport(Glibc)
import Glibc
#endif

extension FileIO {
    /// Create a new file `<directory>/<prefix>XXXXXX` (mode 0600, close-on-exec); returns its fd and path.
    public static func makeTemporaryFile(in directory: String, prefix: String) throws(SystemError) -> (
        fd: Int32, path: String
    ) {
        var template = Array((directory + "/" + prefix + "XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 { throw SystemError("create temporary file in", path: directory) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return (fd, String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Create a new directory `<directory>/<prefix>XXXXXX` (mode 0700); returns its path.
    public static func makeTemporaryDirectory(in directory: String, prefix: String) throws(SystemError) -> String {
        var template = Array((directory + "/" + prefix + "XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        if made == nil { throw SystemError("create temporary directory in", path: directory) }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// rm -rf without following symlinks; mount points below are not crossed (unlink fails there).
    public static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            if let dir = opendir(path) {
                var names: [String] = []
                while let entry = readdir(dir) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) {
                        String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                    }
                    if name != "." && name != ".." { names.append(name) }
                }
                closedir(dir)
                for name in names { removeTree(path + "/" + name) }
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
