/// What Docker Compose's `publish` checks before it pushes: a service with only `build:` cannot be
/// published (refused); env_file or environment values, and configs from the environment, only with
/// `--with-env` (refused otherwise); bind mounts are published as declarations only, so they need the
/// user's confirmation (`-y`).
package struct ComposePublishChecks: Sendable, Equatable {
    /// The bind mounts, one line per mount: `service: /host:/target`.
    package var bindMounts: [String] = []
    /// With `--with-env`: the environment values that will be published, `service: NAME=value`.
    package var environment: [String] = []

    package init(bindMounts: [String] = [], environment: [String] = []) {
        self.bindMounts = bindMounts
        self.environment = environment
    }

    package static func check(_ project: ComposeProject, withEnvironment: Bool) throws(ComposeError)
        -> ComposePublishChecks
    {
        let buildOnly = project.services.filter { $0.image == nil && $0.build != nil }.map(\.name)
        if !buildOnly.isEmpty {
            throw .usage(
                "your Compose stack cannot be published as it only contains a build section for service(s):\n"
                    + buildOnly.map { "- \"\($0)\"" }.joined(separator: "\n"))
        }
        var out = ComposePublishChecks()
        var refused: [String] = []
        for s in project.services {
            if !s.envFiles.isEmpty { refused.append("service \"\(s.name)\" has env_file declared.") }
            if !s.environment.isEmpty {
                refused.append("service \"\(s.name)\" has environment variable(s) declared.")
                out.environment += s.environment.map { "\(s.name): \($0.name)=\($0.value ?? "")" }
            }
            for m in s.volumes where m.type == .bind {
                out.bindMounts.append("\(s.name): \(m.source ?? ""):\(m.target)\(m.readOnly ? ":ro" : "")")
            }
        }
        for c in project.configs {
            if case .environment(let name) = c.source {
                refused.append("config \"\(c.name)\" is declare as an environment variable.")
                out.environment.append("\(c.name): \(name)")
            }
        }
        if !withEnvironment && !refused.isEmpty {
            throw .usage(
                refused.joined(separator: "\n")
                    + "\nTo avoid leaking sensitive data, you must either explicitly allow the sending of environment variables by using the --with-env flag,\nor remove sensitive data from your Compose configuration"
            )
        }
        return out
    }
}
