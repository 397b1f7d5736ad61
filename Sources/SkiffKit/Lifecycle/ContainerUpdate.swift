import SkiffOCI
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff update` (Docker's `container update`): new resource limits and restart policy for a container.
/// A running (or paused) container's cgroup is written at once through the runtime's `update` (the one
/// cgroup writer `skiff-oci update` uses too); the limits are kept in its config.json, which every later
/// start reads, so a stopped container gets them at its next start and a restart keeps them.
extension Engine {
    /// Change `nameOrID` as `request` says. Nothing is recorded when a check or the live write fails.
    public func update(_ nameOrID: String, _ request: ContainerUpdateRequest) throws(KitError) {
        guard let found = try reconcile(containers.find(nameOrID)) else {
            throw .notFound("No such container: \(nameOrID)")
        }
        let dir = containers.directory(of: found.id)
        let host = Self.updateHostFacts()
        try containers.update(id: found.id) { c throws(KitError) in
            var spec: Spec
            do throws(RuntimeError) { spec = try SpecFile.load(bundle: dir) } catch { throw .runtime(error) }
            let current = ResourceSettings(resources: spec.linux?.resources, nanoCpus: c.nanoCpus)
            let plan = try ContainerUpdatePlan.make(
                current: current, request: request, autoRemove: c.autoRemove, host: host)
            if c.status == .running, plan.live != LinuxResources(),
                let state = try? runtime.state(id: c.id), state.status != .stopped
            {
                do throws(RuntimeError) { try runtime.update(id: c.id, resources: plan.live) } catch {
                    throw .usage("Cannot update container \(c.id): \(Self.updateFailure(error))")
                }
            }
            var resources = spec.linux?.resources ?? LinuxResources()
            plan.settings.write(into: &resources)
            spec.linux?.resources = resources
            do throws(RuntimeError) { try SpecFile.write(spec, bundle: dir) } catch { throw .runtime(error) }
            c.nanoCpus = plan.settings.nanoCpus > 0 ? plan.settings.nanoCpus : nil
            if let policy = request.restartPolicy { c.restartPolicy = policy }
        }
        events.record(container: found, "update")
    }

    /// The runtime's reason, with what a busy memory limit means.
    static func updateFailure(_ error: RuntimeError) -> String {
        if case .cgroup(.writeFailed(let path, _, EBUSY)) = error, path.hasSuffix("limit_in_bytes") {
            return "\(error) (the container uses more memory than the new limit and it cannot be reclaimed)"
        }
        return "\(error)"
    }

    /// The host's CPUs and memory nodes, as Docker's daemon checks requests against them.
    public static func updateHostFacts() -> UpdateHostFacts {
        func list(_ path: String) -> String {
            let text = (try? FileIO.readString(path)) ?? ""
            let trimmed = text.split(whereSeparator: { $0 == "\n" || $0 == " " }).first.map(String.init) ?? ""
            return trimmed.isEmpty ? "0" : trimmed
        }
        return UpdateHostFacts(
            cpuCount: max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1),
            onlineCpus: list("/sys/devices/system/cpu/online"), onlineMems: list("/sys/devices/system/node/online"))
    }
}
