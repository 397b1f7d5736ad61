import ArgumentParser
import SkiffOCI

/// What `skiff --version`, `skiff version` and `skiff-oci --version` print (runc's layout, which
/// Podman shows in `podman info`).
public enum SkiffVersion {
    public static let number = "0.1.0"

    public static var text: String {
        "skiff version \(number)\nspec: \(Spec.version)\n"
    }
}

/// `skiff version` (and `skiff-oci version`).
public struct VersionCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "version", abstract: "Show the version.")
    public init() {}
    public func run() throws { print(SkiffVersion.text, terminator: "") }
}
