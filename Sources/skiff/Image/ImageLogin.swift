import ArgumentParser
import Foundation
import SkiffImage

/// `skiff login [-u USER] [-p PASS | --password-stdin] [--tls-verify=false] REGISTRY`
struct ImageLogin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract:
            "Log in to a registry (credentials are checked, then saved in Docker's config.json or its credential helper).",
        discussion: """
            The file is $REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json, else ~/.docker/config.json. When it names \
            a credential helper for the registry ("credHelpers": {"REGISTRY": "NAME"}, else "credsStore": "NAME"), \
            docker-credential-NAME (found on PATH) keeps the password, and the file only an empty entry.
            """
    )

    @Option(name: .shortAndLong, help: "User name.")
    var username: String?

    @Option(
        name: .shortAndLong, help: "Password (visible to other users in the process list: prefer --password-stdin).")
    var password: String?

    @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input.")
    var passwordStdin = false

    @Option(
        name: .customLong("tls-verify"),
        help: "Require https with a valid certificate (loopback registries always use http).")
    var tlsVerify: Bool = true

    @Argument(help: "The registry, e.g. localhost:5000.")
    var registry: String

    func validate() throws {
        if password != nil && passwordStdin { throw ValidationError("--password and --password-stdin are exclusive") }
        if passwordStdin && username == nil { throw ValidationError("--password-stdin needs --username") }
    }

    func run() throws {
        let registry = CredentialStore.normalizedRegistry(self.registry)
        guard let user = username ?? prompt("Username: "), !user.isEmpty else {
            throw ValidationError("a user name is required (-u USER)")
        }
        var pass = password
        if passwordStdin {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            pass = String(decoding: data, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r\n"))
        } else if pass == nil {
            pass = String(cString: getpass("Password: "))
        }
        guard let pass, !pass.isEmpty else {
            throw ValidationError("a password is required (-p PASS or --password-stdin)")
        }
        let store = CredentialStore.default()
        try RegistryLogin.login(
            registry: registry, credential: Credential(username: user, password: pass),
            tlsVerify: tlsVerify, store: store)
        print("Login Succeeded")
    }

    private func prompt(_ text: String) -> String? {
        FileHandle.standardError.write(Data(text.utf8))
        return readLine()?.trimmingCharacters(in: .whitespaces)
    }
}
