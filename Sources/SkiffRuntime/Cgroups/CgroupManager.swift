import Logging
import SkiffOCI
import SkiffSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a container record keeps so that a later command (`skiff oci delete`, `skiff oci ps`) can rebuild
/// the manager without reading mountinfo again.
public struct CgroupStatePaths: Codable, Sendable, Equatable {
    /// The layout seen when the cgroup was created.
    public var layout: CgroupLayout
    /// The container's cgroup path inside every hierarchy, e.g. "/skiff/<id>".
    public var path: String
    /// controller (or "unified") → absolute directory; informational (derived from layout + path).
    public var paths: [String: String]
    /// True only for unit tests against a fake tree.
    public var fakeFilesystem: Bool

    public init(layout: CgroupLayout, path: String, paths: [String: String], fakeFilesystem: Bool = false) {
        self.layout = layout
        self.path = path
        self.paths = paths
        self.fakeFilesystem = fakeFilesystem
    }
}

/// One container's cgroup, in every hierarchy of the host's layout (v1, v2 or hybrid).
///
///     let cg = try CgroupManager.forContainer(id: id, cgroupsPath: spec.linux?.cgroupsPath, logger: log)
///     try cg.create(resources: spec.linux?.resources)   // mkdir + limits
///     try cg.addProcess(pid: child)                       // join
///     ...
///     try cg.destroy(force: true)                         // kill what is left, rmdir
///
/// Every mkdir, write and rmdir is logged at debug level ("write cgroup file", path, value).
public struct CgroupManager: Sendable {
    /// Key of the cgroup2 directory in `paths` (on v2 and hybrid).
    public static let unifiedKey = "unified"
    /// Parent of the default and of relative cgroup paths.
    public static let defaultParent = "/skiff"
    /// Controllers enabled in each ancestor's cgroup.subtree_control on v2 (those the parent offers).
    public static let v2Controllers = ["cpu", "memory", "pids", "cpuset", "hugetlb"]
    /// Controllers only cgroup v1 has.
    static let v1OnlyControllers: Set<String> = ["net_cls", "net_prio"]

    public let layout: CgroupLayout
    /// Normalized absolute cgroup path, e.g. "/skiff/abc".
    public let path: String
    public let fakeFilesystem: Bool
    let fs: CgroupFS
    /// `path` split into its components ("skiff", "abc").
    let components: [String]

    var logger: Logger { fs.logger }

    /// - Parameters:
    ///   - layout: from `CgroupLayout.detect()`, or a fake tree in tests.
    ///   - path: the container's cgroup path (absolute, no "." or ".." components, not "/").
    ///   - fakeFilesystem: tests only. The tree is plain directories: writes create files and `destroy`
    ///     unlinks them. Never set in production, where a missing interface file is an error.
    public init(
        layout: CgroupLayout, path: String, fakeFilesystem: Bool = false,
        logger: Logger = Logger(label: "skiff.cgroup")
    ) throws(CgroupError) {
        let components = try CgroupManager.normalize(path)
        self.layout = layout
        self.components = components
        self.path = Self.join("/", components[...])
        self.fakeFilesystem = fakeFilesystem
        self.fs = CgroupFS(logger: logger, fake: fakeFilesystem)
    }

    /// Rebuild from a saved record.
    public init(statePaths: CgroupStatePaths, logger: Logger = Logger(label: "skiff.cgroup")) throws(CgroupError) {
        try self.init(
            layout: statePaths.layout, path: statePaths.path, fakeFilesystem: statePaths.fakeFilesystem,
            logger: logger)
    }

    /// The manager for a container: path from `linux.cgroupsPath` (see `containerPath`), layout detected
    /// from /proc/self/mountinfo unless given.
    public static func forContainer(
        id: String, cgroupsPath: String?, layout: CgroupLayout? = nil,
        logger: Logger = Logger(label: "skiff.cgroup")
    ) throws(CgroupError) -> CgroupManager {
        let path = try containerPath(cgroupsPath: cgroupsPath, containerID: id)
        let resolvedLayout: CgroupLayout
        if let layout { resolvedLayout = layout } else { resolvedLayout = try CgroupLayout.detect() }
        return try CgroupManager(layout: resolvedLayout, path: path, logger: logger)
    }

    /// `linux.cgroupsPath` → the cgroup path: nil or "" → "/skiff-<id>"; absolute → itself (normalized);
    /// relative → under "/skiff/".
    ///
    /// Without a path a container gets a cgroup of its own at the top, as crun's "/<id>": no parent to
    /// make and remove around each container (on v1 that is a mkdir and an rmdir in every hierarchy,
    /// a millisecond of a start), and a name no systemd unit has. The skiff CLI passes "/skiff/<id>"
    /// (or under `--cgroup-parent`), as Docker's containers are under /docker.
    public static func containerPath(cgroupsPath: String?, containerID: String) throws(CgroupError) -> String {
        if containerID.isEmpty || containerID == "." || containerID == ".." || containerID.contains("/") {
            throw .invalidPath(path: containerID, reason: "a container id must be one non-empty path component")
        }
        guard let cgroupsPath, !cgroupsPath.isEmpty else { return defaultParent + "-" + containerID }
        if cgroupsPath.hasPrefix("/") {
            return join("/", try normalize(cgroupsPath)[...])
        }
        return join("/", try normalize(defaultParent + "/" + cgroupsPath)[...])
    }

    /// Split an absolute cgroup path into components, refusing ".", ".." and the root itself.
    static func normalize(_ path: String) throws(CgroupError) -> [String] {
        guard path.hasPrefix("/") else { throw .invalidPath(path: path, reason: "must be absolute") }
        let components = path.split(separator: "/").map(String.init)
        if components.contains(where: { $0 == "." || $0 == ".." }) {
            throw .invalidPath(path: path, reason: "must not contain \".\" or \"..\" components")
        }
        if components.contains(where: { $0.contains("\0") || $0.contains("\n") }) {
            throw .invalidPath(path: path, reason: "must not contain NUL or newline characters")
        }
        if components.isEmpty {
            throw .invalidPath(path: path, reason: "is the cgroup root; a container needs a cgroup of its own")
        }
        return components
    }

    // MARK: - Paths

    /// `mount` + the container path.
    func leaf(in mount: String) -> String {
        Self.join(mount, components[...])
    }

    static func join(_ mount: String, _ components: ArraySlice<String>) -> String {
        var base = mount
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        if base == "/" { base = "" }
        return base + "/" + components.concatenated(separator: "/")
    }

    /// v1 controllers Skiff manages that this host has, in a fixed order.
    var managedV1: [(controller: String, mount: String)] {
        let h = layout.v1Hierarchies
        return CgroupLayout.managedV1Controllers.compactMap { c in h[c].map { (c, $0) } }
    }

    /// Each hierarchy's mount point once (co-mounted controllers share one), v1 first, then cgroup2.
    var mounts: [String] {
        var seen = Set<String>()
        var out: [String] = []
        for (_, mount) in managedV1 where seen.insert(mount).inserted { out.append(mount) }
        if let unified = layout.unifiedMount, seen.insert(unified).inserted { out.append(unified) }
        return out
    }

    /// The container's directory in each hierarchy, once each.
    public var directories: [String] { mounts.map(leaf(in:)) }

    /// controller → absolute directory of the container's cgroup; the cgroup2 directory is under "unified".
    public var paths: [String: String] {
        var out: [String: String] = [:]
        for (controller, mount) in managedV1 { out[controller] = leaf(in: mount) }
        if let unified = layout.unifiedMount { out[Self.unifiedKey] = leaf(in: unified) }
        return out
    }

    public var statePaths: CgroupStatePaths {
        CgroupStatePaths(layout: layout, path: path, paths: paths, fakeFilesystem: fakeFilesystem)
    }

    // MARK: - Create

    /// Make the container's cgroup in every hierarchy and write the limits. Everything checkable is
    /// checked before the first mkdir (values, controllers present); if a later step fails, what was
    /// made is removed again and the first error is thrown.
    public func create(resources: LinuxResources?) throws(CgroupError) {
        let r = resources ?? LinuxResources()
        try validate(r)
        logger.debug("create cgroup", metadata: ["path": "\(path)", "layout": "\(layout.name)"])
        do throws(CgroupError) {
            switch layout {
            case .v1(let hierarchies):
                try createV1(r, hierarchies: hierarchies)
            case .hybrid(let hierarchies, let unified):
                try createV1(r, hierarchies: hierarchies)
                try createHybridUnified(r, unified: unified)
            case .v2(let root):
                try createV2(r, root: root)
            }
        } catch {
            do throws(CgroupError) {
                try destroy(force: false)
            } catch let rollback {
                logger.warning("cgroup rollback failed", metadata: ["path": "\(path)", "error": "\(rollback)"])
            }
            throw error
        }
    }

    /// (controller, setting name) for every limit in `r` that needs a controller.
    static func requiredControllers(_ r: LinuxResources, v2: Bool = false) -> [(controller: String, setting: String)] {
        var need: [(String, String)] = []
        if hasBlockIO(r.blockIO) { need.append((v2 ? "io" : "blkio", "block I/O limits")) }
        if hasRealtime(r.cpu) { need.append(("cpu", "cpu real-time budget")) }
        if let m = r.memory {
            if m.limit != nil { need.append(("memory", "memory limit")) }
            if m.reservation != nil { need.append(("memory", "memory reservation")) }
            if m.swap != nil { need.append(("memory", "memory swap limit")) }
            if m.swappiness != nil { need.append(("memory", "memory swappiness")) }
            if m.disableOOMKiller == true { need.append(("memory", "disableOOMKiller")) }
        }
        if let c = r.cpu {
            if let s = c.shares, s != 0 { need.append(("cpu", "cpu shares")) }
            if let q = c.quota, q != 0 { need.append(("cpu", "cpu quota")) }
            if let p = c.period, p != 0 { need.append(("cpu", "cpu period")) }
            if let s = c.cpus, !s.isEmpty { need.append(("cpuset", "cpuset cpus")) }
            if let s = c.mems, !s.isEmpty { need.append(("cpuset", "cpuset mems")) }
        }
        if r.pids != nil { need.append(("pids", "pids limit")) }
        for limit in r.hugepageLimits ?? [] { need.append(("hugetlb", "hugepage limit for \(limit.pageSize)")) }
        if let n = r.network {
            if n.classID != nil { need.append(("net_cls", "network classID")) }
            if !(n.priorities ?? []).isEmpty { need.append(("net_prio", "network priorities")) }
        }
        if r.memory?.kernelTCP != nil { need.append(("memory", "memory kernelTCP")) }
        return need
    }

    func validate(_ r: LinuxResources) throws(CgroupError) {
        if let swappiness = r.memory?.swappiness, swappiness > 100 {
            throw .invalidValue(
                setting: "linux.resources.memory.swappiness", value: String(swappiness),
                reason: "must be 0...100")
        }
        for rule in r.devices ?? [] { _ = try CgroupValues.deviceRule(rule) }
        if let rules = r.devices { _ = try DeviceRuleSet.emulate(rules) }
        for key in (r.unified ?? [:]).keys.sorted() { try CgroupValues.validateUnifiedKey(key) }
        if let m = r.memory, let limit = m.limit, let swap = m.swap, limit > 0, swap > 0, swap < limit {
            throw .invalidValue(
                setting: "linux.resources.memory.swap", value: String(swap),
                reason: "memory+swap must be >= the memory limit \(limit)")
        }

        var need = Self.requiredControllers(r)
        switch layout {
        case .v1(let h), .hybrid(let h, _):
            if r.devices != nil { need.append(("devices", "devices rules")) }
            for (controller, setting) in need where h[controller] == nil {
                throw .controllerMissing(controller: controller, setting: setting, detail: "mounted")
            }
            if case .v1 = layout, let key = (r.unified ?? [:]).keys.sorted().first {
                throw .unifiedNeedsV2(key: key)
            }
        case .v2(let root):
            need = Self.requiredControllers(r, v2: true)
            _ = try CgroupValues.v2SwapMax(swap: r.memory?.swap, limit: r.memory?.limit)
            if Self.hasRealtime(r.cpu) {
                throw .invalidValue(
                    setting: "linux.resources.cpu.realtimeRuntime", value: String(r.cpu?.realtimeRuntime ?? 0),
                    reason: "cgroup v2 has no real-time budget per cgroup (it is a cgroup v1 setting)")
            }
            // cgroup v2 has no net_cls, net_prio nor kernel TCP limit (runc refuses them there too).
            if let (controller, setting) = need.first(where: { Self.v1OnlyControllers.contains($0.controller) }) {
                throw .controllerMissing(
                    controller: controller, setting: setting, detail: "available on cgroup v2 (a v1 controller)")
            }
            if let tcp = r.memory?.kernelTCP {
                throw .invalidValue(
                    setting: "linux.resources.memory.kernelTCP", value: String(tcp),
                    reason: "cgroup v2 has no kernel TCP memory limit (it is a cgroup v1 setting)")
            }
            let file = Self.join(root, ["cgroup.controllers"])
            let available = Self.controllerSet(try fs.read(file))
            for (controller, setting) in need where !available.contains(controller) {
                throw .controllerMissing(
                    controller: controller, setting: setting,
                    detail: "available in \(file) (\"\(available.sorted().joined(separator: " "))\")")
            }
        }
    }

    static func controllerSet(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    // MARK: - Join, list, signal

    /// Move `pid` into the container's cgroup in every hierarchy. (A new process joins by itself
    /// instead, see `CgroupJoin`: this write costs an RCU grace period.)
    public func addProcess(pid: Int32) throws(CgroupError) {
        for dir in directories {
            try addProcess(pid: pid, toDirectory: dir)
        }
    }

    /// Move `pid` into one of `directories`.
    func addProcess(pid: Int32, toDirectory dir: String) throws(CgroupError) {
        try fs.write(String(pid), to: dir + "/cgroup.procs")
    }

    /// `directories`, each with whether it is the cgroup2 one (v1 hierarchies first).
    var directoriesWithVersion: [(directory: String, isUnified: Bool)] {
        mounts.map { (leaf(in: $0), $0 == layout.unifiedMount) }
    }

    /// The processes in the container's cgroup (union over hierarchies, sorted). A hierarchy where the
    /// cgroup no longer exists contributes none.
    public func processes() throws(CgroupError) -> [Int32] {
        var all = Set<Int32>()
        for dir in directories {
            for pid in try fs.readPids(dir + "/cgroup.procs") { all.insert(pid) }
        }
        return all.sorted()
    }

    /// Send `signal` to every process in the cgroup. Returns the pids signalled (a process that exited
    /// meanwhile is not an error).
    @discardableResult
    public func kill(signal: Int32) throws(CgroupError) -> [Int32] {
        try signalAll(try processes(), signal: signal)
    }

    func signalAll(_ pids: [Int32], signal: Int32) throws(CgroupError) -> [Int32] {
        var signalled: [Int32] = []
        for pid in pids where pid > 0 {
            logger.debug("signal cgroup process", metadata: ["pid": "\(pid)", "signal": "\(signal)"])
            if Glibc.kill(pid, signal) == 0 {
                signalled.append(pid)
            } else if errno != ESRCH {
                throw .killFailed(pid: pid, signal: signal, errno: errno)
            }
        }
        return signalled
    }

    // MARK: - Destroy

    /// Remove the container's cgroup from every hierarchy (child cgroups first). rmdir is retried on
    /// EBUSY for a short while; with `force`, what is still inside is sent SIGKILL between attempts.
    /// Empty parents whose names start with "skiff" (the shared "/skiff") are removed too; one that still
    /// holds another container's cgroup is left, which is not an error. A cgroup already gone is fine.
    /// Every hierarchy is tried; the first failure is thrown at the end.
    public func destroy(force: Bool = false) throws(CgroupError) {
        var firstError: CgroupError?
        for mount in mounts {
            do throws(CgroupError) {
                try removeTree(leaf(in: mount), force: force)
                try removeSkiffParents(mount: mount)
            } catch {
                logger.debug("remove cgroup failed", metadata: ["mount": "\(mount)", "error": "\(error)"])
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
    }

    func removeTree(_ dir: String, force: Bool) throws(CgroupError) {
        for child in fs.listDirectory(dir).directories {
            try removeTree(dir + "/" + child, force: force)
        }
        let attempts = force ? 100 : 5
        var attempt = 0
        while true {
            let e = fs.removeDirectory(dir)
            if e == 0 || e == ENOENT { return }
            guard e == EBUSY, attempt < attempts else {
                if e == EBUSY { throw .busy(path: dir, pids: pidsForMessage(dir)) }
                throw .removeFailed(path: dir, errno: e)
            }
            if force {
                _ = try signalAll(try fs.readPids(dir + "/cgroup.procs"), signal: SIGKILL)
            }
            attempt += 1
            usleep(10_000)
        }
    }

    private func pidsForMessage(_ dir: String) -> [Int32] {
        do {
            return try fs.readPids(dir + "/cgroup.procs")
        } catch {
            logger.debug("cannot list cgroup processes", metadata: ["path": "\(dir)", "error": "\(error)"])
            return []
        }
    }

    /// rmdir the container path's ancestors, deepest first, while their names start with "skiff" and
    /// they are empty.
    func removeSkiffParents(mount: String) throws(CgroupError) {
        guard components.count >= 2 else { return }
        for depth in stride(from: components.count - 2, through: 0, by: -1) {
            guard components[depth].hasPrefix("skiff") else { return }
            let dir = Self.join(mount, components[0...depth])
            let e = fs.removeDirectory(dir)
            switch e {
            case 0, ENOENT:
                continue
            case EBUSY, ENOTEMPTY, EEXIST:
                logger.debug("cgroup parent still in use", metadata: ["path": "\(dir)"])
                return
            default:
                throw .removeFailed(path: dir, errno: e)
            }
        }
    }
}
