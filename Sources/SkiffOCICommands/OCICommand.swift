import ArgumentParser
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

/// `skiff oci …`: the OCI runtime command line, flag for flag like runc's, so that Podman, containerd
/// or CRI-O can drive skiff where they would drive runc.
public struct OCICommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "oci",
        abstract:
            "Run OCI bundles (runc's command line): spec, create, start, run, state, kill, delete, ps, exec, list, "
            + "pause, resume, update, events, features.",
        subcommands: [
            OCISpecCommand.self, OCICreate.self, OCIStart.self, OCIRun.self, OCIState.self, OCIKill.self,
            OCIDelete.self, OCIPs.self, OCIExec.self, OCIList.self, OCIPause.self, OCIResume.self,
            OCIUpdate.self, OCIEvents.self, OCIFeatures.self, VersionCommand.self,
        ]
    )
}

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

/// Flags of `create` and `run`.
struct OCIStartFlags: ParsableArguments {
    @Option(name: [.short, .long], help: "Path to the bundle (the directory holding config.json).")
    var bundle: String = "."

    @Option(name: .customLong("pid-file"), help: "Write the container's pid to this file.")
    var pidFile: String?

    @Option(name: .customLong("console-socket"), help: "Unix socket that receives the terminal's master fd.")
    var consoleSocket: String?

    @Flag(
        name: .customLong("no-pivot"),
        help: "Move the rootfs onto / and chroot instead of pivot_root (runc's --no-pivot, e.g. for a rootfs on ramfs)."
    )
    var noPivot = false

    @Flag(
        name: .customLong("no-new-keyring"), help: "Accepted for runc compatibility (skiff makes no session keyring).")
    var noNewKeyring = false

    @Option(name: .customLong("preserve-fds"), help: "Pass this many extra fds (3, 4, …) to the container.")
    var preserveFDs: Int32 = 0

    var options: OCIRuntime.StartOptions {
        var o = OCIRuntime.StartOptions()
        o.pidFile = pidFile
        o.consoleSocket = consoleSocket
        o.noPivot = noPivot
        o.preserveFDs = preserveFDs
        return o
    }
}
