import SkiffSystem

/// What `compose config` prints for a service's environment unless `--no-env-resolution`: its
/// `env_file`s read (Compose's rules) under its `environment:`, a name without a value taken from the
/// project's variables, the files themselves dropped — the environment the container gets, as Docker
/// Compose's `config` shows it.
extension ComposeProject {
    /// The project with every service's environment resolved; `variables`: the `.env` values under the
    /// caller's environment (what interpolation read).
    public func withServicesEnvironmentResolved(variables: [String: String]) throws(ComposeError) -> ComposeProject {
        var out = self
        for i in out.services.indices {
            out.services[i] = try out.services[i].withEnvironmentResolved(variables: variables)
        }
        return out
    }
}

extension ComposeService {
    package func withEnvironmentResolved(variables: [String: String]) throws(ComposeError) -> ComposeService {
        var values: [String: String?] = [:]
        for path in envFiles {
            guard let text = try envFileText(path) else {
                if optionalEnvFiles.contains(path) { continue }
                throw .unreadable(file: path, reason: "env file of service \(name) not found")
            }
            do {
                // A name alone takes the variable's value, or is left out as the container leaves it.
                for (k, v) in try ComposeEnvFile.parse(text, environment: variables) {
                    if let value = v ?? variables[k] { values[k] = value }
                }
            } catch {
                throw .invalid(file: path, path: "line \(error.line)", reason: error.reason)
            }
        }
        for e in environment {
            let value: String? = e.value ?? variables[e.name]
            values[e.name] = .some(value)
        }
        var s = self
        s.environment = values.keys.sorted().map { ComposeEnvVar($0, values[$0]!) }
        s.envFiles = []
        s.optionalEnvFiles = []
        s.envFileTexts = [:]
        return s
    }
}
