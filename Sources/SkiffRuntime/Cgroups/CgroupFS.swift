import Logging
import SkiffExplain

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The only place that touches cgroupfs. Every mkdir, write and rmdir is logged as a named debug event
/// ("create cgroup dir", "write cgroup file", "remove cgroup dir") with its path and value.
///
/// `fake` is for unit tests against a plain directory tree: there a write creates the file, and removing
/// a cgroup directory first unlinks the regular files a kernel would have supplied. Production (`fake ==
/// false`) never creates an interface file: a missing file is an error naming it.
struct CgroupFS: Sendable {
    let logger: Logger
    let fake: Bool

    func write(_ value: String, to path: String) throws(CgroupError) {
        logger.debug("write cgroup file", metadata: ["path": "\(path)", "value": "\(value)"])
        do {
            if fake {
                try FileIO.create(path, contents: Array(value.utf8))
            } else {
                try FileIO.write(value, to: path)
            }
        } catch {
            logger.debug(
                "write cgroup file failed",
                metadata: [
                    "path": "\(path)", "value": "\(value)", "error": "\(errnoText(error.errno))",
                ])
            throw .writeFailed(path: path, value: value, errno: error.errno)
        }
        if logger.isExplaining { explainWrite(value, to: path) }
    }

    private func explainWrite(_ value: String, to path: String) {
        let slash = path.lastIndex(of: "/") ?? path.startIndex
        let dir = String(path[..<slash])
        let file = String(path[path.index(after: slash)...])
        if file == "cgroup.procs", let pid = Int32(value) {
            logger.explain(.cgroupJoined(pid: pid, directory: dir))
        } else {
            logger.explain(.cgroupWrite(directory: dir, file: file, value: value))
        }
    }

    func read(_ path: String) throws(CgroupError) -> String {
        do {
            return try FileIO.readString(path)
        } catch {
            throw .readFailed(path: path, errno: error.errno)
        }
    }

    /// The file's text with surrounding white space removed, or nil when the file does not exist.
    func readTrimmedIfExists(_ path: String) throws(CgroupError) -> String? {
        do {
            return CgroupFS.trim(try FileIO.readString(path))
        } catch {
            if error.errno == ENOENT { return nil }
            throw .readFailed(path: path, errno: error.errno)
        }
    }

    func exists(_ path: String) -> Bool {
        FileIO.exists(path)
    }

    /// mkdir each level of `components` under `mount`; existing levels are fine. Returns every level's
    /// directory, top first. If a level vanishes while we descend (a concurrent `destroy` removed an empty
    /// shared parent), start again from the top.
    func makeLevels(mount: String, components: [String]) throws(CgroupError) -> [String] {
        var attempt = 0
        while true {
            var levels: [String] = []
            var dir = mount
            var restart = false
            for component in components {
                dir += "/" + component
                if mkdir(dir, 0o755) == 0 {
                    logger.debug("create cgroup dir", metadata: ["path": "\(dir)"])
                    logger.explain(.cgroupCreated(path: dir))
                } else {
                    let e = errno
                    if e == ENOENT && attempt < 5 && !levels.isEmpty {
                        restart = true
                        break
                    }
                    if e != EEXIST { throw .mkdirFailed(path: dir, errno: e) }
                }
                levels.append(dir)
            }
            if !restart { return levels }
            attempt += 1
        }
    }

    /// rmdir one cgroup directory. Returns 0 or the errno. In fake mode, plain files inside are unlinked
    /// first (a kernel cgroup directory's interface files vanish with it).
    func removeDirectory(_ path: String) -> Int32 {
        if fake {
            let (dirs, files) = listDirectory(path)
            if dirs.isEmpty {
                for file in files { unlink(path + "/" + file) }
            }
        }
        if rmdir(path) == 0 {
            logger.debug("remove cgroup dir", metadata: ["path": "\(path)"])
            return 0
        }
        return errno
    }

    /// Names of subdirectories and of other entries of `path` (empty lists if it cannot be opened).
    func listDirectory(_ path: String) -> (directories: [String], others: [String]) {
        guard let dir = opendir(path) else { return ([], []) }
        defer { closedir(dir) }
        var directories: [String] = []
        var others: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
            if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                isDirectory = FileIO.isDirectory(path + "/" + name)
            }
            if isDirectory { directories.append(name) } else { others.append(name) }
        }
        return (directories, others)
    }

    /// The pids listed in a cgroup.procs file; an absent file (cgroup already gone) lists none.
    func readPids(_ path: String) throws(CgroupError) -> [Int32] {
        guard let text = try readTrimmedIfExists(path) else { return [] }
        var pids: [Int32] = []
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == " " }) {
            guard let pid = Int32(line) else { throw .unparsable(path: path, content: String(line)) }
            pids.append(pid)
        }
        return pids
    }

    static func trim(_ s: String) -> String {
        var sub = Substring(s)
        while let c = sub.first, c == " " || c == "\n" || c == "\t" { sub = sub.dropFirst() }
        while let c = sub.last, c == " " || c == "\n" || c == "\t" { sub = sub.dropLast() }
        return String(sub)
    }
}

extension CgroupFS {
    /// In a fake tree there is no kernel to attach to: the program's listing is written to this file in
    /// the cgroup directory instead, so tests can see where it would have gone and what it says.
    static let fakeDeviceFilterFile = "skiff.device-filter"

    /// Attach a device program to the cgroup2 directory `dir` (logged like a write).
    func attachDeviceFilter(_ program: DeviceFilterProgram, to dir: String) throws(CgroupError) {
        logger.debug(
            "attach cgroup device filter",
            metadata: [
                "path": "\(dir)", "instructions": "\(program.instructions.count)",
            ])
        if fake {
            try write(program.listing, to: dir + "/" + Self.fakeDeviceFilterFile)
            return
        }
        try DeviceFilterLoader.attach(program, toCgroup: dir)
        logger.explain(.deviceFilterAttached(directory: dir, instructions: program.instructions.count))
    }
}
