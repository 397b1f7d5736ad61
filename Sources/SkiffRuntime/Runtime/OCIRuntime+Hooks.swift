import Logging
import SkiffOCI

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// OCI hooks through a container's lifecycle (runtime-spec config.md "POSIX-platform Hooks", runtime.md
/// "Lifecycle"), in runc's places: prestart and createRuntime in the runtime's namespaces once the
/// container's namespaces and mounts exist (before pivot_root); createContainer in the container at that
/// point; startContainer in the container just before its process execs; poststart after `start`;
/// poststop after `delete`. A failure of the first four fails the create (or start) and tears the
/// container down; poststart and poststop failures are logged.
extension OCIRuntime {
    /// The spec's hooks, nil when there are none (so a spec without hooks costs nothing more).
    static func hooks(of spec: Spec) throws(RuntimeError) -> Hooks? {
        guard let hooks = spec.hooks, hooks != Hooks() else { return nil }
        let lists: [(String, [Hook]?)] = [
            ("prestart", hooks.prestart), ("createRuntime", hooks.createRuntime),
            ("createContainer", hooks.createContainer),
            ("startContainer", hooks.startContainer), ("poststart", hooks.poststart),
            ("poststop", hooks.poststop),
        ]
        for (name, list) in lists {
            for (i, hook) in (list ?? []).enumerated() {
                if !hook.path.hasPrefix("/") {
                    throw .spec(
                        .invalid(field: "hooks.\(name)[\(i)].path", reason: "\"\(hook.path)\" is not an absolute path"))
                }
                if let timeout = hook.timeout, timeout <= 0 {
                    throw .spec(
                        .invalid(
                            field: "hooks.\(name)[\(i)].timeout", reason: "must be greater than zero, got \(timeout)"))
                }
            }
        }
        return hooks
    }

    /// What the child needs to run its own hooks, and whether it pauses for the parent's.
    func childHooks(_ hooks: Hooks, id: String, bundle: String, annotations: [String: String]?) -> ChildHooks {
        var child = ChildHooks()
        child.pauseForParent = !(hooks.prestart ?? []).isEmpty || !(hooks.createRuntime ?? []).isEmpty
        child.createContainer = (hooks.createContainer ?? []).map(ChildHooks.Command.init)
        child.startContainer = (hooks.startContainer ?? []).map(ChildHooks.Command.init)
        func tail(_ status: State.Status) -> String {
            let state = State(id: id, status: status, pid: nil, bundle: bundle, annotations: annotations)
            let json = (try? JSONEncoder().encode(state)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return String(json.dropFirst())
        }
        if !child.createContainer.isEmpty { child.stateCreating = tail(.creating) }
        if !child.startContainer.isEmpty { child.stateCreated = tail(.created) }
        return child
    }

    /// prestart then createRuntime, while the child waits before pivot_root. Their state says `created`,
    /// as crun's does and as the runtime-tools validation suite (hooks_stdin) requires: the container
    /// exists with its pid (runc says `creating` here).
    func runCreateHooks(_ hooks: Hooks, record: ContainerRecord, pid: Int32) throws(RuntimeError) {
        let state = State(
            id: record.id, status: .created, pid: pid, bundle: record.bundle, annotations: record.annotations)
        do {
            try HookRunner.run(hooks.prestart ?? [], kind: .prestart, state: state)
            try HookRunner.run(hooks.createRuntime ?? [], kind: .createRuntime, state: state)
        } catch {
            throw .hook(error.description)
        }
    }

    /// poststart (after start) or poststop (after delete): a failure is logged, the hooks after it still
    /// run and the operation stands.
    func runLateHooks(_ kind: HookRunner.Kind, record: ContainerRecord, status: State.Status, pid: Int32?) {
        let list = kind == .poststart ? record.hooks?.poststart : record.hooks?.poststop
        guard let list, !list.isEmpty else { return }
        let state = State(
            id: record.id, status: status, pid: pid, bundle: record.bundle, annotations: record.annotations)
        for failure in HookRunner.runEach(list, kind: kind, state: state) {
            logger.warning("\(failure.description)", metadata: ["id": "\(record.id)"])
        }
    }

    /// The fifo on which the init describes a failed startContainer hook to `start` (`create` returned).
    static let startResultFifo = "hooks.fifo"

    /// Whether `start` waits for the init's execve (the fifo's last writer closing): to read a failed
    /// startContainer hook, and so that poststart hooks run "after the user-specified process is executed"
    /// (runtime-spec config.md), not while the init is still on its way to execve.
    static func waitsForExec(_ hooks: Hooks?) -> Bool {
        hooks?.startContainer?.isEmpty == false || hooks?.poststart?.isEmpty == false
    }

    /// After `start` let the init go: wait until it has run its startContainer hooks and exec'd (the
    /// fifo's last writer closes at execve) and fail with what it wrote if one failed.
    func awaitStartHooks(resultFD fd: Int32) throws(RuntimeError) {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var message: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n = poll(&p, 1, -1)
            if n < 0 { if errno == EINTR { continue }; throw .system(SystemError("poll start hooks")) }
            let r = read(fd, &buffer, buffer.count)
            if r > 0 { message += buffer[0..<r]; continue }
            if r < 0 && (errno == EAGAIN || errno == EINTR) { continue }
            break
        }
        if !message.isEmpty { throw .hook(String(decoding: message, as: UTF8.self)) }
    }
}
