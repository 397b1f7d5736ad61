import Foundation

/// The files of the `oci://` artifacts one load reads (`-f oci://…`, `include: [oci://…]`), held in
/// memory: each compose file under a key of its own (`oci://REF/NAME`), the files they extend, found by
/// an `extends.file` of the same artifact only, and the env files, found by name relative to the
/// project directory. Nothing of it is a path on disk; the loader and `include` share one.
package final class ComposeArtifactFiles {
    let fetch: (String) throws(ComposeError) -> [ComposeRemote.File]
    private var texts: [String: String] = [:]
    private var artifactOf: [String: String] = [:]
    private var extended: [String: [String: String]] = [:]
    private var composeFiles: [String: [String]] = [:]
    /// The env files, by layer name, in the order read.
    private(set) var envFiles: [(name: String, text: String)] = []

    init(fetch: @escaping (String) throws(ComposeError) -> [ComposeRemote.File]) {
        self.fetch = fetch
    }

    /// The artifact at `location` (fetched once): the keys of its compose files, in layer order.
    func add(_ location: String) throws(ComposeError) -> [String] {
        if let known = composeFiles[location] { return known }
        var keys: [String] = []
        for file in try fetch(location) {
            switch file.kind {
            case .composeFile, .extendsFile:
                var k = "\(location)/\(file.name)"
                var n = 1
                while texts[k] != nil {
                    n += 1
                    k = "\(location)/\(file.name) (\(n))"
                }
                texts[k] = file.text
                artifactOf[k] = location
                if file.kind == .composeFile { keys.append(k) } else { extended[location, default: [:]][file.name] = k }
            case .envFile:
                envFiles.append((file.name, file.text))
            }
        }
        composeFiles[location] = keys
        return keys
    }

    /// The text of a compose file of an artifact; nil for a path on disk.
    func text(_ key: String) -> String? { texts[key] }

    /// For a file of an artifact, the key of the file its `extends.file: name` names (nil inside when
    /// the artifact has none); nil for a file on disk.
    func extendedFile(from key: String, name: String) -> String?? {
        guard let location = artifactOf[key] else { return nil }
        return .some(extended[location]?[name])
    }

    /// The env files by the path a project in `directory` names them with.
    func envFileTexts(in directory: String) -> [String: String] {
        var out: [String: String] = [:]
        for e in envFiles { out[ComposePaths.resolve(e.name, against: directory)] = e.text }
        return out
    }

    /// A file's text, from the artifact or the disk.
    func read(_ path: String) throws(ComposeError) -> String {
        if let t = texts[path] { return t }
        return try ComposeLoader.read(path)
    }
}
