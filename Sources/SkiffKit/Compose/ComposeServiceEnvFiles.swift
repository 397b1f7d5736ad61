import Foundation

/// Where a service's env files are read from: the artifact they came in (`-f oci://…`, held in
/// memory), else the disk.
extension ComposeService {
    /// The env file's text; nil when there is no such file.
    package func envFileText(_ path: String) throws(ComposeError) -> String? {
        if let text = envFileTexts[path] { return text }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try ComposeLoader.read(path)
    }
}

extension ComposeProject {
    /// Gives each service the artifact's env files it names (`texts`: by resolved path).
    package mutating func attachEnvFileTexts(_ texts: [String: String]) {
        guard !texts.isEmpty else { return }
        for i in services.indices {
            for path in services[i].envFiles { if let t = texts[path] { services[i].envFileTexts[path] = t } }
        }
    }
}
