import ArgumentParser
import SkiffOCICommands

@main
struct Skiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skiff",
        abstract: "A daemonless Linux container runtime.",
        subcommands: [ContainerRun.self, ContainerCreate.self, ContainerRemove.self, ImageList.self, ImageCommand.self,
                      ImageTag.self, ImageRemove.self, ContainerInspect.self, ImageHistory.self, OCICommand.self,
                      LayerCommand.self, ImagePull.self, ImagePush.self, ImageLogin.self, ImageLogout.self,
                      ImageSave.self, ImageLoad.self, ImageImport.self, ImageBuild.self, BuilderCommand.self,
                      ContainerList.self, ContainerCommand.self, ContainerStart.self, ContainerStop.self,
                      ContainerRestart.self, ContainerKill.self, ContainerWait.self, ContainerLogs.self, ContainerExec.self,
                      ContainerAttach.self, ContainerTop.self, ContainerStats.self, ContainerCopy.self, ContainerRename.self,
                      SystemCommand.self, ContainerInternal.self, VolumeCommand.self, ComposeCommand.self,
                      NetworkCommand.self, ContainerPort.self, VersionCommand.self]
    )

    static func main() {
        OCIMain.run(Skiff.self, arguments: Array(CommandLine.arguments.dropFirst()), unsealed: commandsOutsideContainers)
    }

    /// The commands that never clone a process into a container (they read, signal, copy bytes or talk to
    /// registries), so they skip the sealed re-exec; every other one, and every new one, runs sealed.
    static let commandsOutsideContainers: Set<String> = [
        "ps", "images", "inspect", "history", "pull", "push", "login", "logout", "save", "load", "tag", "rmi",
        "stop", "kill", "wait", "logs", "attach", "top", "stats", "port", "rename", "version",
        "--version", "-v", "--help", "-h", "help",
    ]
}
