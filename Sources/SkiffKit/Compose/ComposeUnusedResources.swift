/// Docker Compose's `WithoutUnnecessaryResources` (unless `--all-resources`): the networks, volumes,
/// secrets and configs no selected service uses are left out of the model `config` prints.
extension ComposeProject {
    package func withoutUnusedResources() -> ComposeProject {
        var out = self
        let networkNames = Set(services.filter { $0.networkMode == nil }.flatMap(\.networkNames))
        let volumeNames = Set(
            services.flatMap(\.volumes).compactMap { m in m.type == .volume ? m.source : nil })
        let secretNames = Set(services.flatMap { $0.secrets.map(\.source) + ($0.build?.secrets.map(\.source) ?? []) })
        let configNames = Set(services.flatMap { $0.configs.map(\.source) })
        out.networks = networks.filter { networkNames.contains($0.name) }
        out.volumes = volumes.filter { volumeNames.contains($0.name) }
        out.secrets = secrets.filter { secretNames.contains($0.name) }
        out.configs = configs.filter { configNames.contains($0.name) }
        return out
    }
}
