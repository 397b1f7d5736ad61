import Foundation
import SkiffImage

/// How a project's containers are recognised on the host: Docker Compose's labels, and names
/// `<project>-<service>-<n>` (one-off `run` containers: `<project>-<service>-run-<hex>`).
public enum ComposeLabels {
    /// The project's name.
    public static let project = "com.docker.compose.project"
    /// The service's name.
    public static let service = "com.docker.compose.service"
    /// The container's number within its service (1, 2, ...).
    public static let number = "com.docker.compose.container-number"
    /// The hash of the service config and image the container was made from (`up` compares it).
    public static let configHash = "com.docker.compose.config-hash"
    /// "True" on a `compose run` container.
    public static let oneoff = "com.docker.compose.oneoff"
    /// The project's working directory.
    public static let workingDir = "com.docker.compose.project.working_dir"
    /// The compose files, comma-separated.
    public static let configFiles = "com.docker.compose.project.config_files"
    /// The ID of the image the container was made from.
    public static let imageID = "com.docker.compose.image"

    /// What joins the project's, the service's name and the number in container and image names: `-`,
    /// or `_` with `compose --compatibility` (Docker Compose v1's names). Set once by the CLI, before
    /// any work, as Docker Compose's `api.Separator`.
    nonisolated(unsafe) public static var separator = "-"

    /// `<project>-<service>-<number>`, Docker Compose v2's container name.
    public static func containerName(project: String, service: String, number: Int) -> String {
        [project, service, "\(number)"].joined(separator: separator)
    }

    /// The hash of what a container of this service is made from: its resolved config, its image and
    /// `joined`, the containers its `service:NAME` references resolve to (`network_mode=ID`, as Docker
    /// Compose hashes the resolved `container:ID`). `up` recreates a container whose hash differs, so one
    /// that joined a container that was recreated since is made again, in the new one's namespaces.
    package static func configHash(_ service: ComposeService, imageID: String, joined: [String] = []) -> String {
        var s = service
        // Scheduling-only fields do not change the container.
        s.dependsOn = []
        s.profiles = []
        // Nor how many of them there are (scaling keeps the containers it does not remove or add).
        s.scale = nil
        // Nor does what `compose watch` does with it.
        s.develop = nil
        var text = s.tree.yaml() + "\nimage-id: " + imageID + "\n"
        if !joined.isEmpty { text += "joined: " + joined.joined(separator: ",") + "\n" }
        // What the env files say is part of the container's config too.
        for path in s.envFiles {
            text += "env-file \(path):\n" + ((try? service.envFileText(path)) ?? "") + "\n"
        }
        return String(Digest.of(Data(text.utf8)).description.dropFirst("sha256:".count))
    }
}

extension Container {
    /// The compose project the container belongs to, if any.
    public var composeProject: String? { labels[ComposeLabels.project] }
    /// The compose service the container belongs to, if any.
    public var composeService: String? { labels[ComposeLabels.service] }
    /// Its number within the service (1 when the label is missing).
    public var composeNumber: Int { labels[ComposeLabels.number].flatMap { Int($0) } ?? 1 }
    /// Whether it was made by `compose run`.
    public var isComposeOneOff: Bool { labels[ComposeLabels.oneoff] == "True" }
}
