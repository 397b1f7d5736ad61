import ArgumentParser
import SkiffImage

/// `skiff logout REGISTRY`
struct ImageLogout: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract:
            "Remove the saved credentials of a registry (from its credential helper too, when config.json names one)."
    )

    @Argument(help: "The registry, e.g. localhost:5000.")
    var registry: String

    func run() throws {
        let registry = CredentialStore.normalizedRegistry(self.registry)
        if try RegistryLogin.logout(registry: registry) {
            print("Removed login credentials for \(registry)")
        } else {
            throw ValidationError("not logged in to \(registry)")
        }
    }
}
