#if canImport(Glibc)
import Glibc
#endif

/// How often a build cache entry or cache mount was used, kept beside it as `PATH.uses`: one byte
/// appended per use, so the file's size is the count and its mtime the last use (`system df -v`'s
/// USAGE and LAST USED). Best effort: a count that cannot be written changes nothing about a build.
enum UseCount {
    static func record(beside path: String, mode: mode_t) {
        let fd = open(path + ".uses", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else { return }
        _ = write(fd, "u", 1)
        close(fd)
    }

    /// The uses recorded and the time of the last one; nil when none was.
    static func read(beside path: String) -> (count: Int, last: Double)? {
        var st = stat()
        guard stat(path + ".uses", &st) == 0 else { return nil }
        return (Int(st.st_size), Double(st.st_mtim.tv_sec))
    }
}
