/// `--isolation` (run, create, build) and compose `isolation` / `build.isolation`: the container
/// technology, a Windows choice. On Linux the daemon accepts only `default` (or empty, in any case)
/// and refuses the rest with moby's message (daemon/daemon_unix.go validateIsolation).
public enum Isolation {
    /// A value other than `default`.
    public struct Invalid: Error, CustomStringConvertible {
        /// The value as given.
        public let value: String
        /// moby's message.
        public var description: String { "Invalid isolation: \"\(value)\" - linux only supports 'default'" }
    }

    /// Accepts `default` and the empty string; anything else is Docker's error.
    public static func check(_ value: String) throws(Invalid) {
        guard value.isEmpty || value.lowercased() == "default" else { throw Invalid(value: value) }
    }
}
