/// What a Docker daemon is configured with, as Skiff has it, for the flags and compose keys that name
/// it: one runtime (Skiff's own, called `skiff`) and no user-namespace remapping, so a container shares
/// the host's user namespace — Docker's default, and what `--userns=host` asks for.
public enum DaemonSettings {
    /// The name of the one runtime (`--runtime`, compose `runtime:`, inspect's HostConfig.Runtime).
    public static let runtimeName = "skiff"

    /// `--runtime NAME`: Skiff's own runtime; any other is Docker's "unknown or invalid runtime name".
    public static func checkRuntime(_ name: String) throws(KitError) {
        guard name == runtimeName else {
            throw .usage("unknown or invalid runtime name: \(name) (skiff's one runtime is called \(runtimeName))")
        }
    }

    /// `--userns MODE`: "host" or "" (the default without a daemon-level remap); Docker refuses others.
    public static func checkUserns(_ mode: String) throws(KitError) {
        guard mode.isEmpty || mode == "host" else { throw .usage("--userns: invalid USER mode") }
    }
}
