import Foundation
import SkiffOCI

/// `--change` of `skiff import` (and `docker import` / `docker commit`): Dockerfile instructions that set
/// the image config. CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME, STOPSIGNAL and ONBUILD, in
/// JSON (exec) or shell form where the instruction has both. Words are processed as in a Dockerfile
/// (`VariableExpander`): quotes, escapes, and `$VAR` / `${VAR:-default}` from the ENV set so far, in the
/// instructions where a Dockerfile substitutes (not CMD, ENTRYPOINT or ONBUILD).
public enum ImageConfigChange {
    public static let supported = [
        "CMD", "ENTRYPOINT", "ENV", "WORKDIR", "USER", "EXPOSE", "LABEL", "VOLUME", "STOPSIGNAL", "ONBUILD",
    ]

    /// Apply each change in order.
    public static func apply(_ changes: [String], to config: inout ContainerConfig) throws(ImageError) {
        for change in changes { try apply(change, to: &config) }
    }

    public static func apply(_ change: String, to config: inout ContainerConfig) throws(ImageError) {
        let text = change.trimmingCharacters(in: .whitespacesAndNewlines)
        let keyword = String(text.prefix { !$0.isWhitespace }).uppercased()
        let rest = text.drop { !$0.isWhitespace }.trimmingCharacters(in: .whitespacesAndNewlines)
        func bad(_ why: String) -> ImageError { .invalidContent("--change \"\(change)\": \(why)") }
        guard !keyword.isEmpty else { throw bad("empty instruction") }
        guard supported.contains(keyword) else {
            throw bad("\(keyword) is not a config instruction (supported: \(supported.joined(separator: ", ")))")
        }
        guard !rest.isEmpty else { throw bad("\(keyword) needs an argument") }
        let env = config.Env ?? []
        let expander = VariableExpander { name in
            env.last { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }
        func words(_ text: String) throws(ImageError) -> [String] {
            do { return try expander.expandWords(text) } catch { throw bad(error.message) }
        }
        switch keyword {
        case "CMD": config.Cmd = command(rest)
        case "ENTRYPOINT": config.Entrypoint = command(rest)
        case "ENV":
            var env = env
            for (key, value) in try pairs(try words(rest), keyword: keyword, change: change) {
                env.removeAll { $0 == key || $0.hasPrefix(key + "=") }
                env.append(key + "=" + value)
            }
            config.Env = env
        case "LABEL":
            var labels = config.Labels ?? [:]
            for (key, value) in try pairs(try words(rest), keyword: keyword, change: change) { labels[key] = value }
            config.Labels = labels
        case "WORKDIR":
            let dir = try words(rest).joined(separator: " ")
            if dir.hasPrefix("/") {
                config.WorkingDir = dir
            } else {
                let base = config.WorkingDir ?? "/"
                config.WorkingDir = (base.hasSuffix("/") ? base : base + "/") + dir
            }
        case "USER": config.User = try words(rest).joined(separator: " ")
        case "STOPSIGNAL": config.StopSignal = try words(rest).joined(separator: " ")
        case "ONBUILD": config.OnBuild = (config.OnBuild ?? []) + [rest]
        case "EXPOSE":
            var ports = config.ExposedPorts ?? [:]
            for word in try words(rest) {
                for port in try exposedPorts(word, change: change) { ports[port] = EmptyObject() }
            }
            config.ExposedPorts = ports
        case "VOLUME":
            var volumes = config.Volumes ?? [:]
            let list: [String]
            if let json = jsonArray(rest) { list = json } else { list = try words(rest) }
            for v in list where !v.isEmpty { volumes[v] = EmptyObject() }
            config.Volumes = volumes
        default: break
        }
    }

    /// Exec form `["a","b"]`, else shell form `/bin/sh -c TEXT`.
    static func command(_ text: String) -> [String] {
        jsonArray(text) ?? ["/bin/sh", "-c", text]
    }

    static func jsonArray(_ text: String) -> [String]? {
        guard text.hasPrefix("[") else { return nil }
        return try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    /// `K=V K2="v 2"`, or the legacy `K value with spaces`, from the instruction's processed words.
    static func pairs(_ list: [String], keyword: String, change: String) throws(ImageError) -> [(String, String)] {
        if let first = list.first, !first.contains("=") {
            return [(first, list.dropFirst().joined(separator: " "))]
        }
        var out: [(String, String)] = []
        for word in list {
            guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
                throw .invalidContent("--change \"\(change)\": \(keyword) wants KEY=VALUE, got \"\(word)\"")
            }
            out.append((String(word[..<eq]), String(word[word.index(after: eq)...])))
        }
        return out
    }

    /// "80", "80/udp", "8000-8002/tcp" → ["80/tcp"], ….
    static func exposedPorts(_ word: String, change: String) throws(ImageError) -> [String] {
        let parts = word.split(separator: "/", maxSplits: 1).map(String.init)
        let proto = parts.count > 1 ? parts[1].lowercased() : "tcp"
        func bad() -> ImageError { .invalidContent("--change \"\(change)\": EXPOSE: invalid port \"\(word)\"") }
        guard ["tcp", "udp", "sctp"].contains(proto), let range = parts.first else { throw bad() }
        let ends = range.split(separator: "-", maxSplits: 1).map { UInt16($0) }
        guard let low = ends.first ?? nil, let high = ends.count > 1 ? ends[1] : low, low <= high else { throw bad() }
        return (low...high).map { "\($0)/\(proto)" }
    }
}
