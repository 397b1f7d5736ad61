import Foundation
import SkiffImage

/// How a project's containers are recognised on the host: Docker Compose's labels, and names
/// `<project>-<service>-<n>` (one-off `run` containers: `<project>-<service>-run-<hex>`).
public enum ComposeLabels {
    public static let project = "com.docker.compose.project"
    public static let service = "com.docker.compose.service"
    public static let number = "com.docker.compose.container-number"
    public static let configHash = "com.docker.compose.config-hash"
    public static let oneoff = "com.docker.compose.oneoff"
    public static let workingDir = "com.docker.compose.project.working_dir"
    public static let configFiles = "com.docker.compose.project.config_files"
    public static let imageID = "com.docker.compose.image"

    public static func containerName(project: String, service: String, number: Int) -> String {
        "\(project)-\(service)-\(number)"
    }

    /// The hash of what a container of this service is made from: its resolved config and its image.
    /// `up` recreates a container whose hash differs.
    public static func configHash(_ service: ComposeService, imageID: String) -> String {
        var s = service
        // Scheduling-only fields do not change the container.
        s.dependsOn = []
        s.profiles = []
        var text = s.tree.yaml() + "\nimage-id: " + imageID + "\n"
        // What the env files say is part of the container's config too.
        for path in s.envFiles {
            text += "env-file \(path):\n" + ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "") + "\n"
        }
        return String(Digest.of(Data(text.utf8)).description.dropFirst("sha256:".count))
    }
}

extension Container {
    public var composeProject: String? { labels[ComposeLabels.project] }
    public var composeService: String? { labels[ComposeLabels.service] }
    public var composeNumber: Int { labels[ComposeLabels.number].flatMap { Int($0) } ?? 1 }
    public var isComposeOneOff: Bool { labels[ComposeLabels.oneoff] == "True" }
}
