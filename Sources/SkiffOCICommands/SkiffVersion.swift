import SkiffOCI

/// What `skiff --version`, `skiff version` and `skiff-oci --version` print (runc's layout, which
/// Podman shows in `podman info`).
public enum SkiffVersion {
    public static let number = "0.1.0"

    public static var text: String {
        "skiff version \(number)\nspec: \(Spec.version)\n"
    }
}

/// `skiff-oci version`.
struct OCIVersion: RuntimeCommand {
    static let spec = RuntimeCommandSpec("version", "Show the version.")

    init(_ a: RuntimeArguments) {}

    func run() throws { print(SkiffVersion.text, terminator: "") }
}
