import SkiffRuntime
import SkiffSystem

/// The capabilities this process may hand on (its bounding set): what `--privileged` (and a build's
/// `RUN --security=insecure`) gives, as Podman gives its bounding set. A capability outside it cannot
/// be raised by capset(2), so asking for every known one fails where the engine itself runs confined.
package enum HostCapabilities {
    /// The bounding set in a `/proc/PID/status` text (`CapBnd:` in hex); nil when it is not there.
    package static func boundingSet(status: String) -> Set<Capability>? {
        for line in status.split(separator: "\n") where line.hasPrefix("CapBnd:") {
            guard let mask = UInt64(line.dropFirst("CapBnd:".count).trimmingCharacters(in: .whitespaces), radix: 16)
            else { return nil }
            return Set(Capability.allCases.filter { $0.rawValue < 64 && mask & (1 << UInt64($0.rawValue)) != 0 })
        }
        return nil
    }

    /// This process's bounding set (nil: unknown, then every capability is asked for).
    package static func current() -> Set<Capability>? {
        guard let text = try? FileIO.readString("/proc/self/status") else { return nil }
        return boundingSet(status: text)
    }
}
