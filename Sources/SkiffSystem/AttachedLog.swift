import CJSONLog

#if canImport(Glibc)
import Glibc
#endif

/// The log of an attached run (`run` without -d, `compose run`), which has no monitor: the container's
/// stdout and stderr are pipes (with a terminal, its output alone, stream stdout), and a thread copies
/// them to where they were going and into log.jsonl with the monitor's own writer (CJSONLog), so `logs`
/// reads the same lines, rotation and files as for a detached container. Docker's daemon logs every
/// container, attached or not, and logs a stream left out of -a though it is not shown.
public final class AttachedLog {
    /// The container's stdout (for a terminal: where its output is copied) and stderr (-1 for a terminal).
    public let containerOut: Int32
    public let containerErr: Int32
    private var ends: [Int32]
    private let writer: UnsafeMutablePointer<cjsonlog>
    private let attrs: UnsafeMutablePointer<CChar>?
    private let directoryFD: Int32
    private var thread: pthread_t?

    /// Open the log in `directory` and start the copy. `stdout`/`stderr`: where the output is shown (-1:
    /// ours). `terminal`: one stream, the terminal's output.
    public init(
        directory: String, rotation: (maxSize: Int64, maxFiles: Int), compress: Bool, attrs: String?,
        forward: String? = nil, keepFile: Bool = true, stdout: Int32, stderr: Int32, terminal: Bool
    ) throws(SystemError) {
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD < 0 { throw SystemError("open", path: directory) }
        let writer = UnsafeMutablePointer<cjsonlog>.allocate(capacity: 1)
        writer.pointee.forward = nil
        let attrsCopy = attrs.map { strdup($0) } ?? nil
        var fds: [Int32] = [-1, -1, -1, -1]
        func fail(_ error: SystemError) -> SystemError {
            for fd in fds where fd >= 0 { close(fd) }
            close(dirFD)
            cjsonlog_forward_close(writer.pointee.forward)
            writer.deallocate()
            free(attrsCopy)
            return error
        }
        if cjsonlog_open(
            writer, dirFD, rotation.maxSize, Int32(clamping: rotation.maxFiles), compress ? 1 : 0, attrsCopy) != 0
        {
            throw fail(SystemError("open", path: directory + "/log.jsonl"))
        }
        // The start checked that the server answers (LogForwardConnection); one gone since is not waited for.
        if let forward { writer.pointee.forward = cjsonlog_forward_open(forward, nil, 0) }
        // A forwarding driver's cache-disabled=true: the lines go only to the server.
        if !keepFile, writer.pointee.fd >= 0 {
            close(writer.pointee.fd)
            writer.pointee.fd = -1
        }
        for i in 0..<(terminal ? 1 : 2) {
            let rc = fds.withUnsafeMutableBufferPointer { cjsonlog_pipe($0.baseAddress! + 2 * i) }
            if rc != 0 {
                cjsonlog_close(writer)
                throw fail(SystemError("pipe"))
            }
        }
        let copy = Copy(
            writer: writer, outFrom: fds[0], outTo: stdout >= 0 ? stdout : STDOUT_FILENO, errFrom: fds[2],
            errTo: terminal ? -1 : (stderr >= 0 ? stderr : STDERR_FILENO))
        let context = Unmanaged.passRetained(copy).toOpaque()
        var t = pthread_t()
        let rc = pthread_create(
            &t, nil,
            { raw in
                let copy = Unmanaged<Copy>.fromOpaque(raw!).takeRetainedValue()
                cjsonlog_relay(copy.writer, copy.outFrom, copy.outTo, copy.errFrom, copy.errTo)
                return nil
            }, context)
        if rc != 0 {
            Unmanaged<Copy>.fromOpaque(context).release()
            cjsonlog_close(writer)
            throw fail(SystemError("start a thread to copy the container's output", errno: rc))
        }
        self.writer = writer
        self.attrs = attrsCopy
        directoryFD = dirFD
        thread = t
        containerOut = fds[1]
        containerErr = fds[3]
        ends = [fds[1], fds[3]].filter { $0 >= 0 }
    }

    /// The container has exited: close our ends of its pipes and wait until the copy has read, shown and
    /// logged everything it wrote (every writer, its children too, has closed its end).
    public func finish() {
        for fd in ends { close(fd) }
        ends = []
        guard let t = thread else { return }
        thread = nil
        pthread_join(t, nil)
        cjsonlog_close(writer)
        cjsonlog_forward_close(writer.pointee.forward)
        close(directoryFD)
        writer.deallocate()
        free(attrs)
    }

    deinit { finish() }

    private final class Copy {
        let writer: UnsafeMutablePointer<cjsonlog>
        let outFrom, outTo, errFrom, errTo: Int32
        init(writer: UnsafeMutablePointer<cjsonlog>, outFrom: Int32, outTo: Int32, errFrom: Int32, errTo: Int32) {
            self.writer = writer
            self.outFrom = outFrom
            self.outTo = outTo
            self.errFrom = errFrom
            self.errTo = errTo
        }
    }
}

/// A forwarding log driver's connection (syslog, journald, gelf, fluentd), tried at a start as Docker's
/// driver dials at its start.
public enum LogForwardConnection {
    /// nil when the server in `spec` (cjsonlog_forward_open's) answers; else why it does not.
    public static func problem(_ spec: String) -> String? {
        var err = [CChar](repeating: 0, count: 512)
        guard let f = cjsonlog_forward_open(spec, &err, err.count) else {
            return String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        cjsonlog_forward_close(f)
        return nil
    }
}

/// A gzipped file's contents (a rotated log, `log.jsonl.N.gz`), read with the log writer's zlib.
public enum GzipFile {
    /// The uncompressed bytes; nil if the file is gone or not gzip.
    public static func read(_ path: String) -> [UInt8]? {
        var buffer: UnsafeMutablePointer<CChar>?
        var count = 0
        guard cjsonlog_read_gzip(path, &buffer, &count) == 0, let buffer else { return nil }
        defer { free(buffer) }
        return buffer.withMemoryRebound(to: UInt8.self, capacity: count) {
            Array(UnsafeBufferPointer(start: $0, count: count))
        }
    }
}
