import Foundation

/// Docker Compose's `--dry-run`: every command goes through the runner's own steps (resolve, validate,
/// decide what to create, recreate, start, stop or remove, in order), each step printing its progress
/// line, while the runner's `dryRun` keeps each engine call that would change something from being
/// made. The same code path as a real run, so a dry run shows what that run would do.
public enum ComposeDryRun {
    /// What Docker Compose puts before each progress line of a dry run.
    public static let prefix = "DRY-RUN MODE - "

    /// A progress line as a dry run prints it.
    public static func line(_ line: String) -> String { prefix + line }
}

extension Container {
    /// The container a dry run would have made: its name, image and labels, nothing on disk, no ID any
    /// engine knows.
    static func planned(name: String, image: String, labels: [String: String]) -> Container {
        Container(
            id: HexText.random(count: 64), name: name, image: image, imageID: "", manifestDigest: "",
            layerChainIDs: [], command: [], created: "", status: .created, autoRemove: false, labels: labels)
    }
}
