#if canImport(Glibc)
import Glibc
#endif

/// The runtime's entry point, for `skiff-oci` and for `skiff oci`: global flags first (runc takes them
/// before the command), the seal, logging, then the command. Its command line is parsed from the
/// commands' own tables (RuntimeCommandSpec), with no reflection: `skiff-oci state ID` is called often
/// by Podman, containerd and CRI-O, and a start's every millisecond counts.
public enum RuntimeMain {
    nonisolated(unsafe) static let commands: [any RuntimeCommand.Type] = [
        OCISpecCommand.self, OCICreate.self, OCIStart.self, OCIRun.self, OCIState.self, OCIKill.self,
        OCIDelete.self, OCIPs.self, OCIExec.self, OCIList.self, OCIPause.self, OCIResume.self,
        OCIUpdate.self, OCIEvents.self, OCIFeatures.self, OCIVersion.self,
    ]

    /// The commands' specs, in the order `--help` lists them.
    public static var specs: [RuntimeCommandSpec] { commands.map { $0.spec } }

    static func table(program: String) -> CommandTable {
        CommandTable(
            program: program, abstract: "Run OCI bundles: runc's command line.", commands: commands,
            takesGlobalFlags: true)
    }

    /// Parse and run `arguments` (what follows the program name); never returns. `program` names the
    /// binary in help and usage lines ("skiff-oci", or "skiff oci"); `parent` is the word before the
    /// runtime's command ("oci" in `skiff --root R oci state ID`), global flags may stand on both sides.
    public static func run(_ arguments: [String], program: String, parent: String? = nil) -> Never {
        var arguments = arguments
        let table = table(program: program)
        do {
            try ProcessPrelude.start(&arguments, runsUnsealed: ExecutableSeal.runtimeCommandRunsUnsealed)
            if let parent, arguments.first == parent { arguments.removeFirst() }
            if arguments.first == "--version" || arguments.first == "-v" {
                print(SkiffVersion.text, terminator: "")
                exit(0)
            }
            try table.dispatch(arguments)
            exit(0)
        } catch {
            exit(table.report(error))
        }
    }
}
