import SkiffOCI
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `--pid container:NAME` and `--ipc container:NAME|shareable` at every start (`skiff start`, a restart
/// by the monitor, `run`), as Docker's getPidContainer, getIpcContainer and setupIpcDirs do:
///
/// - a donor is looked up by the name it was given, and the spec is pointed at its process's namespaces
///   (its process, so its namespace, is a new one after each of its restarts);
/// - a shareable container's /dev/shm is a tmpfs mounted on the host under its directory (`shm/`) and
///   bound into it, so that joiners can bind the same one: a mount in another container's mount
///   namespace cannot be bound. It is unmounted when the container stops (`releaseShm`).
extension Engine {
    /// The host-side mount point of a shareable container's /dev/shm.
    func shmDirectory(_ id: String) -> String { containers.directory(of: id) + "/shm" }

    /// Mount a shareable container's /dev/shm and point its spec at the namespaces it joins; refused
    /// when a donor does not run, or (IPC) has no /dev/shm others may share.
    package func joinNamespaces(of record: Container) throws(KitError) {
        let id = record.id
        guard let modes = record.namespaceModes else { return }
        let dir = containers.directory(of: id)
        if modes.ipc == .shareable {
            let spec: Spec
            do { spec = try SpecFile.load(bundle: dir) } catch { throw .runtime(error) }
            try mountShm(id, data: spec.annotations?[NamespacePlan.shmTmpfsAnnotation] ?? "mode=1777,size=65536k")
        }
        guard modes.pidContainer != nil || modes.ipcContainer != nil else { return }
        var join = NamespacePlan.Join()
        if let name = modes.pidContainer {
            let (_, pid) = try runningDonor(name, kind: "PID")
            join.pidNamespace = "/proc/\(pid)/ns/pid"
        }
        if let name = modes.ipcContainer {
            let (donor, pid) = try runningDonor(name, kind: "IPC")
            let donorSpec: Spec
            do { donorSpec = try SpecFile.load(bundle: containers.directory(of: donor.id)) } catch {
                throw .runtime(error)
            }
            guard let shm = NamespacePlan.sharedShm(of: donorSpec) else {
                throw .usage(
                    "container \(name): non-shareable IPC (hint: use IpcMode:shareable for the donor container: --ipc shareable, or ipc: shareable in compose)"
                )
            }
            join.ipcNamespace = "/proc/\(pid)/ns/ipc"
            join.shmSource = shm
        }
        do {
            var spec = try SpecFile.load(bundle: dir)
            NamespacePlan.join(join, to: &spec)
            try SpecFile.write(spec, bundle: dir)
        } catch { throw .runtime(error) }
    }

    /// The donor of a namespace and its init's host pid; refused unless it runs (Docker's wording).
    func runningDonor(_ name: String, kind: String) throws(KitError) -> (Container, Int32) {
        let donor: Container
        do { donor = try container(name) } catch {
            throw .notFound("cannot join \(kind) of a non running container: \(name): no such container")
        }
        let pid = donor.pid ?? (try? runtime.state(id: donor.id))?.pid
        guard donor.status == .running, let pid, pid > 0, processAlive(donor) else {
            throw .usage("cannot join \(kind) of a non running container: \(name)")
        }
        return (donor, pid)
    }

    /// At create: the donors named by `container:` must exist (they need not run until the start).
    func checkNamespaceDonors(_ modes: NamespaceModes) throws(KitError) {
        for (name, kind) in [(modes.pidContainer, "PID"), (modes.ipcContainer, "IPC")] {
            guard let name else { continue }
            do { _ = try container(name) } catch {
                throw .notFound("cannot join \(kind) of container \(name): no such container")
            }
        }
    }

    /// Mount the shareable container's /dev/shm tmpfs on the host, unless it is there already.
    func mountShm(_ id: String, data: String) throws(KitError) {
        let path = shmDirectory(id)
        if Self.isMountPoint(path) { return }
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw .system(SystemError("mkdir", path: path)) }
        let flags = UInt(MS_NOSUID) | UInt(MS_NODEV) | UInt(MS_NOEXEC)
        if mount("shm", path, "tmpfs", flags, data) != 0 {
            throw .system(SystemError("mount tmpfs (\(data))", path: path))
        }
    }

    /// Unmount a stopped container's host-side /dev/shm, if it has one (never fails).
    package func releaseShm(id: String) {
        Self.unmountShm(shmDirectory(id))
    }

    /// Detach every mount on `path` (one, unless a crash left more).
    static func unmountShm(_ path: String) {
        var left = 4
        while left > 0 && isMountPoint(path) && umount2(path, Int32(MNT_DETACH)) == 0 { left -= 1 }
    }

    /// Whether `path` is a mount point: another device than its parent's.
    static func isMountPoint(_ path: String) -> Bool {
        var here = stat()
        var parent = stat()
        guard lstat(path, &here) == 0, lstat(path + "/..", &parent) == 0 else { return false }
        return here.st_dev != parent.st_dev
    }
}
