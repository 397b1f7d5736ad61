import ArgumentParser
import CSkiff

@main
struct Skiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skiff",
        abstract: "A daemonless Linux container runtime.",
        subcommands: [ContainerRun.self, ContainerRemove.self, ImageList.self, ImageCommand.self, ImageTag.self,
                      ImageRemove.self, ContainerInspect.self, ImageHistory.self, OCICommand.self, LayerCommand.self,
                      ImagePull.self, ImagePush.self, ImageLogin.self, ImageLogout.self,
                      ImageSave.self, ImageLoad.self, ImageImport.self, ImageBuild.self,
                      ContainerList.self, ContainerCommand.self, ContainerStart.self, ContainerStop.self,
                      ContainerRestart.self, ContainerKill.self, ContainerWait.self, ContainerLogs.self, ContainerExec.self,
                      ContainerAttach.self, ContainerTop.self, ContainerStats.self, ContainerCopy.self, ContainerRename.self,
                      SystemCommand.self, ContainerInternal.self, VolumeCommand.self, ComposeCommand.self,
                      NetworkCommand.self, ContainerPort.self]
    )

    static func main() {
        // Signals an attached run forwards must be blocked before any thread exists.
        cskiff_block_signals()
        var arguments = Array(CommandLine.arguments.dropFirst())
        do {
            GlobalOptions.shared = try GlobalOptions.extract(from: &arguments)
            // Invoked as "skiff-oci" (a symlink), skiff takes runc's command line as it is.
            if CommandLine.arguments.first.map({ $0.hasSuffix("-oci") || $0.hasSuffix("/runc") }) == true {
                arguments.insert("oci", at: 0)
            }
            Logs.bootstrap(GlobalOptions.shared)
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
