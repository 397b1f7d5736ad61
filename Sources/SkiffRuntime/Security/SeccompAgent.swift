// The seccomp agent of `linux.seccomp.listenerPath`: it answers the syscalls a profile marks
// SCMP_ACT_NOTIFY. The child sends the filter's notify fd to its parent, which hands it on here, with
// the container process state (runtime-spec config-linux.md, "seccomp"), then closes its own copy.

import CSkiff
import SkiffOCI
import SkiffSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Where a notify fd goes, and the state sent along with it.
public struct SeccompAgent: Sendable {
    public var listenerPath: String
    public var metadata: String?
    /// The container's state (status "creating" for its init, "running" for an exec).
    public var state: State

    /// The agent of `seccomp` for a container in `state`; nil when no rule notifies.
    public init?(_ seccomp: LinuxSeccomp?, state: State) {
        guard let seccomp, let path = seccomp.listenerPath, !path.isEmpty,
            (seccomp.syscalls ?? []).contains(where: { $0.action == "SCMP_ACT_NOTIFY" })
        else { return nil }
        listenerPath = path
        metadata = seccomp.listenerMetadata
        self.state = state
    }

    /// runtime-spec's ContainerProcessState; `fds` names the fds of the message, in order.
    struct ProcessState: Encodable {
        var ociVersion: String
        var fds: [String]
        var pid: Int32
        var metadata: String?
        var state: State
    }

    /// The message sent with the fd.
    func message(pid: Int32) throws(SpawnError) -> [UInt8] {
        var processState = ProcessState(
            ociVersion: Spec.version, fds: ["seccompFd"], pid: pid, metadata: metadata, state: state)
        processState.state.pid = pid
        guard let json = try? JSONEncoder().encode(processState) else {
            throw .system(SystemError("encode the seccomp agent's state", errno: EINVAL))
        }
        return Array(json)
    }

    /// Send `fd` (the notify fd of process `pid`) to the agent.
    func hand(fd: Int32, pid: Int32) throws(SpawnError) {
        let bytes = try message(pid: pid)
        var connected: Int32 = 0
        let rc = bytes.withUnsafeBytes { raw in
            cskiff_seccomp_send_to_agent(listenerPath, raw.baseAddress, raw.count, fd, &connected)
        }
        guard rc != 0 else { return }
        let err = errno
        // runc's words, which callers look for.
        if connected == 0 {
            throw .system(
                SystemError(
                    "failed to connect with seccomp agent specified in the seccomp profile", path: listenerPath,
                    errno: err))
        }
        throw .system(SystemError("cannot send seccomp fd to", path: listenerPath, errno: err))
    }
}
