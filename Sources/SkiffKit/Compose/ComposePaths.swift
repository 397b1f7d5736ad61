import Foundation

/// Names and paths: project-name normalization, relative paths resolved against the project
/// directory, and the name rules for services, containers and volumes.
package enum ComposePaths {
    /// Docker Compose's rule: lower case, only `[a-z0-9_-]` kept, starting with a letter or digit.
    package static func normalizeProjectName(_ name: String) -> String {
        let lowered = name.lowercased().unicodeScalars.filter {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        var s = String(String.UnicodeScalarView(lowered))
        while let f = s.first, f == "_" || f == "-" { s.removeFirst() }
        return s
    }

    package static func isValidProjectName(_ name: String) -> Bool {
        !name.isEmpty && normalizeProjectName(name) == name
    }

    package static func isValidServiceName(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
            }
    }

    package static func isValidContainerName(_ name: String) -> Bool {
        guard let f = name.unicodeScalars.first, f.isASCII, f.properties.isAlphabetic || ("0"..."9").contains(f) else {
            return false
        }
        return isValidServiceName(name)
    }

    package static func isValidVolumeName(_ name: String) -> Bool {
        isValidContainerName(name)
    }

    /// A volume source that is a host path: absolute, `./`, `../`, `.`, `..` or `~`.
    package static func isHostPath(_ source: String) -> Bool {
        source.hasPrefix("/") || source.hasPrefix("./") || source.hasPrefix("../") || source == "." || source == ".."
            || source.hasPrefix("~")
    }

    /// `path` made absolute against `directory` (and `~` against $HOME), with `.` and `..` folded.
    package static func resolve(_ path: String, against directory: String) -> String {
        var p = path
        if p == "~" || p.hasPrefix("~/") {
            let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
            p = home + p.dropFirst()
        }
        if !p.hasPrefix("/") { p = directory + "/" + p }
        var out: [Substring] = []
        for c in p.split(separator: "/") {
            if c == "." { continue }
            if c == ".." { if !out.isEmpty { out.removeLast() }; continue }
            out.append(c)
        }
        return "/" + out.joined(separator: "/")
    }

    /// The file names looked for, in order of preference.
    package static let defaultFileNames = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"]
    /// Override files read after the first found, as Docker Compose does.
    package static let overrideFileNames = [
        "compose.override.yaml", "compose.override.yml", "docker-compose.override.yml",
        "docker-compose.override.yaml",
    ]

    /// The compose file in `directory` or the nearest parent, plus its override file if one is beside it.
    package static func discover(from directory: String) -> [String]? {
        var dir = resolve(directory, against: "/")
        while true {
            for name in defaultFileNames where FileManager.default.fileExists(atPath: dir + "/" + name) {
                var files = [(dir == "/" ? "" : dir) + "/" + name]
                let base = name.hasPrefix("docker-") ? "docker-compose.override" : "compose.override"
                for ext in [".yaml", ".yml"] where FileManager.default.fileExists(atPath: dir + "/" + base + ext) {
                    files.append((dir == "/" ? "" : dir) + "/" + base + ext)
                    break
                }
                return files
            }
            if dir == "/" { return nil }
            dir = resolve(dir + "/..", against: "/")
        }
    }
}
