import Logging
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Shared by the oci commands.
enum OCIContext {
    static func runtime() -> OCIRuntime {
        // A log line or a state printed to a closed pipe must not kill us halfway through a create or a
        // delete (leaving a cgroup behind): take EPIPE as an error instead. The child resets every
        // signal to its default before exec, so the container still gets SIGPIPE as usual.
        signal(SIGPIPE, SIG_IGN)
        let options = GlobalOptions.shared
        return OCIRuntime(root: options.ociRoot, logger: Logger(label: "skiff.oci"), debug: options.debug)
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
    }
}

/// Options of `create` and `run`.
enum OCIStartFlags {
    static let options: [RuntimeOption] = [
        .value("bundle", "b", placeholder: "dir", help: "Path to the bundle (the directory holding config.json)."),
        .value("pid-file", placeholder: "file", help: "Write the container's pid to this file."),
        .value("console-socket", placeholder: "socket", help: "Unix socket that receives the terminal's master fd."),
        .flag(
            "no-pivot",
            help:
                "Move the rootfs onto / and chroot instead of pivot_root (runc's --no-pivot, e.g. for a rootfs on ramfs)."
        ),
        .flag("no-new-keyring", help: "Accepted for runc compatibility (skiff makes no session keyring)."),
        .value("preserve-fds", placeholder: "n", help: "Pass this many extra fds (3, 4, …) to the container."),
    ]

    static func bundle(_ a: RuntimeArguments) -> String { a.string("bundle") ?? "." }

    static func startOptions(_ a: RuntimeArguments) throws -> OCIRuntime.StartOptions {
        var o = OCIRuntime.StartOptions()
        o.pidFile = a.string("pid-file")
        o.consoleSocket = a.string("console-socket")
        o.noPivot = a.flag("no-pivot")
        o.preserveFDs = try a.number("preserve-fds") ?? 0
        return o
    }
}
