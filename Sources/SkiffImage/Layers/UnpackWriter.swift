import CArchive
import CSystem
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The tar reader side of `LayerUnpacker`: reads entries from a `DecompressedStream` and makes each one
/// on disk relative to the layer root's fd. See `LayerUnpacker` for the rules it enforces.
final class UnpackWriter {
    // File type bits (libarchive's AE_IF* are cast macros Swift does not import).
    static let typeMask: mode_t = 0o170000
    static let typeRegular: mode_t = 0o100000
    static let typeDirectory: mode_t = 0o040000
    static let typeSymlink: mode_t = 0o120000
    static let typeCharacter: mode_t = 0o020000
    static let typeBlock: mode_t = 0o060000
    static let typeFIFO: mode_t = 0o010000
    static let typeSocket: mode_t = 0o140000

    /// Parents are opened without following any symlink and without leaving the root.
    static let resolve = CSYS_RESOLVE_BENEATH | CSYS_RESOLVE_NO_SYMLINKS | CSYS_RESOLVE_NO_MAGICLINKS

    private let rootFD: Int32
    private let layer: String
    private let allowDevices: Bool
    private var path = EntryPath()
    private var linkPath = EntryPath()
    private var result = LayerUnpackResult()

    /// The last parent directory opened, kept while entries stay in it (tar streams are grouped by dir).
    private var cachedParent: [CChar] = []
    private var cachedParentFD: Int32 = -1
    private var openat2Works = true

    /// Directory times are set at the end, after their contents are written.
    private var directoryTimes: [(path: [CChar], times: (timespec, timespec))] = []

    init(rootFD: Int32, layer: String, allowDevices: Bool) {
        self.rootFD = rootFD
        self.layer = layer
        self.allowDevices = allowDevices
    }

    deinit {
        if cachedParentFD >= 0 { close(cachedParentFD) }
    }

    // MARK: - Reading

    /// Where the tar bytes come from: the stream itself, or its pipelined reader thread.
    private var stream: DecompressedStream?
    private var pipe: PipelinedStream?

    private func nextBlock() -> UnsafeRawBufferPointer? {
        if let pipe { return pipe.next() }
        return stream!.next()
    }

    private var sourceFailure: String? { pipe?.failure ?? stream?.failure }

    private static let readCallback:
        @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?) ->
            la_ssize_t = { _, context, buffer in
                let writer = Unmanaged<UnpackWriter>.fromOpaque(context!).takeUnretainedValue()
                guard let block = writer.nextBlock() else { return -1 }
                buffer?.pointee = block.baseAddress
                return block.count
            }

    /// Unpack the tar stream of `source`. With `pipelined`, decompression and hashing run on a thread of
    /// their own; either way the stream is fully read (and hashed) when this returns normally.
    func unpack(from source: DecompressedStream, pipelined: Bool) throws(LayerError) -> LayerUnpackResult {
        stream = source
        if pipelined {
            let p = PipelinedStream(source)
            if p.start() { pipe = p }
        }
        defer { pipe?.finish() }
        guard let tar = archive_read_new() else {
            throw LayerError(layer: layer, .system(SystemError("archive_read_new", errno: ENOMEM), entry: nil))
        }
        defer { archive_read_free(tar) }
        archive_read_support_format_tar(tar)
        archive_read_support_format_gnutar(tar)
        let context = Unmanaged.passUnretained(self).toOpaque()
        if archive_read_open(tar, context, nil, Self.readCallback, nil) != ARCHIVE_OK {
            throw corrupt(tar, source)
        }
        var entry: OpaquePointer?
        while true {
            let r = archive_read_next_header(tar, &entry)
            if r == ARCHIVE_EOF { break }
            if r != ARCHIVE_OK && r != ARCHIVE_WARN { throw corrupt(tar, source) }
            guard let entry else { throw corrupt(tar, source) }
            if Cancellation.isCancelled { throw LayerError(layer: layer, .system(.cancelled, entry: nil)) }
            result.entries += 1
            try write(entry, tar: tar, source: source)
        }
        if let pipe {
            if !pipe.drain() { throw corrupt(tar, source) }
        } else {
            try source.drain()
        }
        try finishDirectories()
        return result
    }

    private func corrupt(_ tar: OpaquePointer, _ source: DecompressedStream) -> LayerError {
        LayerError(layer: layer, .corrupt(detail: sourceFailure ?? DecompressedStream.message(tar)))
    }

    private func failure(_ operation: String, entry: String? = nil, errno code: Int32 = errno) -> LayerError {
        let name = entry ?? path.string
        return LayerError(layer: layer, .system(SystemError(operation, path: name, errno: code), entry: name))
    }

    // MARK: - Entries

    private func write(_ entry: OpaquePointer, tar: OpaquePointer, source: DecompressedStream) throws(LayerError) {
        guard let raw = archive_entry_pathname(entry) ?? archive_entry_pathname_utf8(entry) else {
            throw LayerError(layer: layer, .corrupt(detail: "an entry has no path name"))
        }
        switch path.set(raw) {
        case .escapes:
            throw LayerError(layer: layer, .escapesRoot(entry: String(cString: raw)))
        case .root:
            return  // "./": the layer root itself; its attributes are not part of the merged view
        case .ok:
            break
        }

        if path.nameHasPrefix(".wh.") {
            try writeWhiteout(rawName: raw)
            return
        }

        let parent = try openParent(raw)
        let type = archive_entry_filetype(entry) & Self.typeMask

        if let target = archive_entry_hardlink(entry) {
            try writeHardlink(target, parent: parent, raw: raw)
            return
        }
        switch type {
        case Self.typeRegular:
            try writeFile(entry, parent: parent, tar: tar, source: source)
        case Self.typeDirectory:
            try writeDirectory(entry, parent: parent)
        case Self.typeSymlink:
            try writeSymlink(entry, parent: parent, raw: raw)
        case Self.typeCharacter, Self.typeBlock, Self.typeFIFO:
            let kind =
                type == Self.typeCharacter ? "character device" : type == Self.typeBlock ? "block device" : "FIFO"
            guard allowDevices else {
                throw LayerError(layer: layer, .deviceNotAllowed(entry: String(cString: raw), kind: kind))
            }
            try writeDevice(entry, type: type, parent: parent)
        default:
            let kind = type == Self.typeSocket ? "socket" : "file type \(String(type, radix: 8))"
            throw LayerError(layer: layer, .unsupportedEntry(entry: String(cString: raw), kind: kind))
        }
    }

    private func writeWhiteout(rawName raw: UnsafePointer<CChar>) throws(LayerError) {
        let parent = try openParent(raw)
        if path.nameEquals(".wh..wh..opq") {
            let y: [UInt8] = [121]  // "y"
            if csys_fsetxattr(parent, "trusted.overlay.opaque", y, 1, 0) != 0 {
                throw failure("set trusted.overlay.opaque on the directory of", entry: String(cString: raw))
            }
            result.opaqueDirectories += 1
            return
        }
        if path.nameHasPrefix(".wh..wh.") {
            return  // AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not part of the image
        }
        let hidden = path.name + 4
        if strcmp(hidden, "..") == 0 || strcmp(hidden, ".") == 0 {
            throw LayerError(layer: layer, .escapesRoot(entry: String(cString: raw)))
        }
        if hidden[0] == 0 {
            throw LayerError(
                layer: layer, .unsupportedEntry(entry: String(cString: raw), kind: "whiteout without a name"))
        }
        for attempt in 0..<2 {
            if mknodat(parent, hidden, Self.typeCharacter, 0) == 0 { break }
            if errno != EEXIST || attempt == 1 { throw failure("mknod whiteout", entry: String(cString: raw)) }
            try removeExisting(hidden, in: parent, keepDirectory: false, raw: raw)
        }
        result.whiteouts += 1
    }

    private func writeFile(_ entry: OpaquePointer, parent: Int32, tar: OpaquePointer, source: DecompressedStream)
        throws(LayerError)
    {
        var fd: Int32 = -1
        for attempt in 0..<2 {
            fd = openat(parent, path.name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 { break }
            if errno != EEXIST || attempt == 1 { throw failure("create") }
            try removeExisting(path.name, in: parent, keepDirectory: false, raw: nil)
        }
        defer { close(fd) }

        var buffer: UnsafeRawPointer?
        var size = 0
        var offset: Int64 = 0
        var end: Int64 = 0
        while true {
            let r = archive_read_data_block(tar, &buffer, &size, &offset)
            if r == ARCHIVE_EOF { break }
            if r != ARCHIVE_OK && r != ARCHIVE_WARN { throw corrupt(tar, source) }
            var done = 0
            while done < size {
                let n = pwrite(fd, buffer! + done, size - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure("write")
                }
                done += n
            }
            end = offset + Int64(size)
            result.dataBytes += Int64(size)
        }
        let size64 = archive_entry_size(entry)
        if size64 > end && ftruncate(fd, off_t(size64)) != 0 {  // a sparse file ending in a hole
            throw failure("truncate")
        }
        try applyOwnerAndMode(entry, fd: fd)
        try applyXattrs(entry, fd: fd)
        if Self.withTimes(entry, { futimens(fd, $0) }) != 0 { throw failure("set times of") }
        result.regularFiles += 1
    }

    private func writeDirectory(_ entry: OpaquePointer, parent: Int32) throws(LayerError) {
        if mkdirat(parent, path.name, 0o700) != 0 {
            guard errno == EEXIST else { throw failure("mkdir") }
            if !(try removeExisting(path.name, in: parent, keepDirectory: true, raw: nil)) {
                if mkdirat(parent, path.name, 0o700) != 0 { throw failure("mkdir") }
            }
        }
        let fd = openat(parent, path.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 { throw failure("open directory") }
        defer { close(fd) }
        try applyOwnerAndMode(entry, fd: fd)
        try applyXattrs(entry, fd: fd)
        directoryTimes.append((path.bytes, Self.times(entry)))
        result.directories += 1
    }

    private func writeSymlink(_ entry: OpaquePointer, parent: Int32, raw: UnsafePointer<CChar>) throws(LayerError) {
        guard let target = archive_entry_symlink(entry) ?? archive_entry_symlink_utf8(entry) else {
            throw LayerError(layer: layer, .corrupt(detail: "symlink \(String(cString: raw)) has no target"))
        }
        for attempt in 0..<2 {
            if symlinkat(target, parent, path.name) == 0 { break }
            if errno != EEXIST || attempt == 1 { throw failure("symlink") }
            try removeExisting(path.name, in: parent, keepDirectory: false, raw: raw)
        }
        if fchownat(
            parent, path.name, uid_t(truncatingIfNeeded: archive_entry_uid(entry)),
            gid_t(truncatingIfNeeded: archive_entry_gid(entry)), AT_SYMLINK_NOFOLLOW) != 0
        {
            throw failure("chown")
        }
        if hasXattrs(entry) {
            // l*xattr through the parent's fd: the last component (the symlink) is not followed.
            let procPath = "/proc/self/fd/\(parent)/" + String(cString: path.name)
            try applyXattrs(entry) { name, value, size in csys_lsetxattr(procPath, name, value, size, 0) }
        }
        if Self.withTimes(entry, { utimensat(parent, path.name, $0, AT_SYMLINK_NOFOLLOW) }) != 0 {
            throw failure("set times of")
        }
        result.symlinks += 1
    }

    private func writeHardlink(_ target: UnsafePointer<CChar>, parent: Int32, raw: UnsafePointer<CChar>)
        throws(LayerError)
    {
        let outside = LayerError(
            layer: layer, .hardlinkOutside(entry: String(cString: raw), target: String(cString: target)))
        guard linkPath.set(target) == .ok else { throw outside }
        let targetParent: Int32
        if linkPath.parent[0] == 0 {
            targetParent = rootFD
        } else {
            targetParent = openBeneath(linkPath.parent, flags: CSYS_O_PATH | O_DIRECTORY)
            if targetParent < 0 { throw outside }
        }
        defer { if targetParent != rootFD { close(targetParent) } }
        for attempt in 0..<2 {
            // flags 0: a symlink target is linked as the symlink itself, never followed.
            if linkat(targetParent, linkPath.name, parent, path.name, 0) == 0 { break }
            let code = errno
            if code == ENOENT || code == EPERM || code == EXDEV { throw outside }
            if code != EEXIST || attempt == 1 { throw failure("link", errno: code) }
            try removeExisting(path.name, in: parent, keepDirectory: false, raw: raw)
        }
        result.hardlinks += 1
    }

    private func writeDevice(_ entry: OpaquePointer, type: mode_t, parent: Int32) throws(LayerError) {
        let device = LinuxCalls.makedev(
            UInt32(truncatingIfNeeded: archive_entry_rdevmajor(entry)),
            UInt32(truncatingIfNeeded: archive_entry_rdevminor(entry)))
        for attempt in 0..<2 {
            if mknodat(parent, path.name, type | 0o600, device) == 0 { break }
            if errno != EEXIST || attempt == 1 { throw failure("mknod") }
            try removeExisting(path.name, in: parent, keepDirectory: false, raw: nil)
        }
        if fchownat(
            parent, path.name, uid_t(truncatingIfNeeded: archive_entry_uid(entry)),
            gid_t(truncatingIfNeeded: archive_entry_gid(entry)), AT_SYMLINK_NOFOLLOW) != 0
        {
            throw failure("chown")
        }
        if fchmodat(parent, path.name, archive_entry_perm(entry) & 0o7777, 0) != 0 { throw failure("chmod") }
        if Self.withTimes(entry, { utimensat(parent, path.name, $0, AT_SYMLINK_NOFOLLOW) }) != 0 {
            throw failure("set times of")
        }
        result.devices += 1
    }

    // MARK: - Attributes

    private func applyOwnerAndMode(_ entry: OpaquePointer, fd: Int32) throws(LayerError) {
        // chown before chmod: chown clears setuid/setgid.
        if fchown(
            fd, uid_t(truncatingIfNeeded: archive_entry_uid(entry)), gid_t(truncatingIfNeeded: archive_entry_gid(entry))
        ) != 0 {
            throw failure("chown")
        }
        if fchmod(fd, archive_entry_perm(entry) & 0o7777) != 0 { throw failure("chmod") }
    }

    private func hasXattrs(_ entry: OpaquePointer) -> Bool {
        archive_entry_xattr_count(entry) > 0
    }

    /// Set the entry's xattrs on `fd` (after chown, which clears security.capability).
    private func applyXattrs(_ entry: OpaquePointer, fd: Int32) throws(LayerError) {
        if archive_entry_xattr_count(entry) == 0 { return }
        try applyXattrs(entry) { name, value, size in csys_fsetxattr(fd, name, value, size, 0) }
    }

    private func applyXattrs(_ entry: OpaquePointer, set: (UnsafePointer<CChar>, UnsafeRawPointer?, Int) -> Int32)
        throws(LayerError)
    {
        archive_entry_xattr_reset(entry)
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK {
            guard let name else { continue }
            // Overlay's own xattrs (opaque, redirect, origin, metacopy) steer the merged view: only the
            // unpacker's whiteout conversion may set them, never the layer's contents.
            if strncmp(name, "trusted.overlay.", 16) == 0 || strncmp(name, "user.overlay.", 13) == 0 { continue }
            if set(name, value, size) != 0 {
                if errno == ENOTSUP || errno == EOPNOTSUPP { continue }  // a namespace this filesystem lacks
                throw failure("set xattr \(String(cString: name)) on")
            }
        }
    }

    private static func times(_ entry: OpaquePointer) -> (timespec, timespec) {
        var mtime = timespec(tv_sec: 0, tv_nsec: LinuxCalls.UTIME_OMIT)
        if archive_entry_mtime_is_set(entry) != 0 {
            mtime = timespec(tv_sec: archive_entry_mtime(entry), tv_nsec: archive_entry_mtime_nsec(entry))
        }
        var atime = mtime
        if archive_entry_atime_is_set(entry) != 0 {
            atime = timespec(tv_sec: archive_entry_atime(entry), tv_nsec: archive_entry_atime_nsec(entry))
        }
        return (atime, mtime)
    }

    /// Call `body` with a pointer to two contiguous timespecs (atime, mtime), as utimensat wants.
    private static func withTimes(_ times: (timespec, timespec), _ body: (UnsafePointer<timespec>) -> Int32) -> Int32 {
        withUnsafeTemporaryAllocation(of: timespec.self, capacity: 2) { pair in
            pair[0] = times.0
            pair[1] = times.1
            return body(pair.baseAddress!)
        }
    }

    private static func withTimes(_ entry: OpaquePointer, _ body: (UnsafePointer<timespec>) -> Int32) -> Int32 {
        withTimes(times(entry), body)
    }

    private func finishDirectories() throws(LayerError) {
        for (path, times) in directoryTimes {  // in entry order: a repeated directory entry wins
            let fd = path.withUnsafeBufferPointer { openBeneath($0.baseAddress!, flags: CSYS_O_PATH | O_DIRECTORY) }
            if fd < 0 {
                // Replaced by a later entry of the layer: nothing to do.
                continue
            }
            // CSYS_O_PATH fds take futimens via utimensat(fd, "", LinuxCalls.AT_EMPTY_PATH).
            let r = Self.withTimes(times) { utimensat(fd, "", $0, LinuxCalls.AT_EMPTY_PATH) }
            let code = errno
            close(fd)
            if r != 0 {
                throw failure(
                    "set times of",
                    entry: String(decoding: path.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self), errno: code)
            }
        }
    }

    // MARK: - Paths

    /// openat2 beneath the root without following symlinks (or -1 with errno).
    private func openBeneath(_ relative: UnsafePointer<CChar>, flags: Int32) -> Int32 {
        if openat2Works {
            var fd: Int32
            repeat {
                fd = csys_openat2(rootFD, relative, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), 0, Self.resolve)
            } while fd < 0 && (errno == EINTR || errno == EAGAIN)
            if fd >= 0 || errno != ENOSYS { return fd }
            openat2Works = false
        }
        return walk(relative, flags: flags, create: false)
    }

    /// The parent directory of the current entry, opened (and made if missing) beneath the root.
    private func openParent(_ raw: UnsafePointer<CChar>) throws(LayerError) -> Int32 {
        let length = path.parentLength
        if length == 0 { return rootFD }
        if cachedParentFD >= 0 && cachedParent.count == length
            && cachedParent.withUnsafeBufferPointer({ memcmp($0.baseAddress!, path.parent, length) }) == 0
        {
            return cachedParentFD
        }
        var fd = openBeneath(path.parent, flags: O_RDONLY | O_DIRECTORY)
        if fd < 0 {
            let code = errno
            switch code {
            case ENOENT:
                fd = walk(path.parent, flags: O_RDONLY | O_DIRECTORY, create: true)
                if fd < 0 { throw classify(errno, raw: raw) }
            default:
                throw classify(code, raw: raw)
            }
        }
        if cachedParentFD >= 0 { close(cachedParentFD) }
        cachedParentFD = fd
        cachedParent = Array(UnsafeBufferPointer(start: path.parent, count: length))
        return fd
    }

    private func classify(_ code: Int32, raw: UnsafePointer<CChar>) -> LayerError {
        let entry = String(cString: raw)
        switch code {
        case ELOOP: return LayerError(layer: layer, .throughSymlink(entry: entry))
        case EXDEV: return LayerError(layer: layer, .escapesRoot(entry: entry))
        case ENOTDIR: return LayerError(layer: layer, .notADirectory(entry: entry))
        default: return failure("open parent directory of", entry: entry, errno: code)
        }
    }

    /// Component by component from the root with O_NOFOLLOW, making missing directories (0755, root) when
    /// `create` (a layer may omit the entries of directories that lower layers have). -1 with errno:
    /// ELOOP for a symlink on the way, ENOTDIR for a non-directory.
    private func walk(_ relative: UnsafePointer<CChar>, flags: Int32, create: Bool) -> Int32 {
        var current = rootFD
        var components = String(cString: relative).split(separator: "/", omittingEmptySubsequences: true)
        if components.isEmpty { return dup(rootFD) }
        let last = components.removeLast()
        func step(_ name: Substring, _ flags: Int32) -> Int32 {
            let s = String(name)
            var fd = openat(current, s, flags | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0 && errno == ENOENT && create {
                if mkdirat(current, s, 0o755) != 0 && errno != EEXIST { return -1 }
                fd = openat(current, s, flags | O_NOFOLLOW | O_CLOEXEC)
            }
            if fd < 0 {
                let code = errno
                var st = stat()
                if fstatat(current, s, &st, AT_SYMLINK_NOFOLLOW) == 0 {
                    let type = st.st_mode & Self.typeMask
                    errno = type == Self.typeSymlink ? ELOOP : type != Self.typeDirectory ? ENOTDIR : code
                } else {
                    errno = code
                }
            }
            return fd
        }
        for component in components {
            let fd = step(component, CSYS_O_PATH | O_DIRECTORY)
            let code = errno
            if current != rootFD { close(current) }
            if fd < 0 { errno = code; return -1 }
            current = fd
        }
        let fd = step(last, flags)
        let code = errno
        if current != rootFD { close(current) }
        errno = code
        return fd
    }

    /// Make room for a new entry named `name`: remove what an earlier entry of this layer put there.
    /// Returns true when an existing directory is kept (`keepDirectory`: a directory entry repeated).
    @discardableResult
    private func removeExisting(
        _ name: UnsafePointer<CChar>, in parent: Int32, keepDirectory: Bool,
        raw: UnsafePointer<CChar>?
    ) throws(LayerError) -> Bool {
        var st = stat()
        if fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
            if errno == ENOENT { return false }
            throw failure("stat", entry: raw.map { String(cString: $0) })
        }
        if keepDirectory && (st.st_mode & Self.typeMask) == Self.typeDirectory { return true }
        do {
            try DirectoryTree.remove(name, in: parent)
        } catch {
            throw LayerError(layer: layer, .system(error, entry: raw.map { String(cString: $0) } ?? path.string))
        }
        // The cache needs no care: it holds the current entry's parent, and what is removed is a child of it.
        return false
    }
}
