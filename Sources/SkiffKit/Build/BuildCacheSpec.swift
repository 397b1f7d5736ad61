import SkiffImage

/// Where a build's cache is exported to (`--cache-to`, compose `build.cache_to`) or imported from
/// (`--cache-from`, compose `build.cache_from`), in BuildKit's `type=…,key=value` syntax. A plain
/// `--cache-from REF` means `type=registry,ref=REF`, as in BuildKit.
public enum BuildCacheSpec: Sendable, Equatable {
    /// An OCI image layout directory: `dest=DIR` when exporting, `src=DIR` when importing; `tag`
    /// picks the index.json entry (default `latest`), or an import's `digest=` the manifest itself.
    case local(directory: String, tag: String, digest: Digest? = nil)
    /// A cache manifest in a registry (`ref=REF`). Imported, REF may also be an image pushed with an
    /// inline cache: its config's cache is read.
    case registry(ImageReference)
    /// The cache of the final image's steps, written into that image's config (export only; importing an
    /// image with one is `registry`).
    case inline

    /// `mode=min` (the final image's steps, the default) or `mode=max` (every stage's steps as well).
    public enum Mode: String, Sendable { case min, max }

    /// What an export (`--cache-to`) is asked for: where, which steps, and whether a failure only warns.
    public struct Export: Sendable, Equatable {
        /// Where the cache goes.
        public var target: BuildCacheSpec
        /// Which steps it holds.
        public var mode: Mode
        /// `ignore-error=true`: a failed export is a warning, the build still succeeds.
        public var ignoreError: Bool
    }

    /// Attributes BuildKit's exporters take that change only the bytes of what is written, not what a
    /// later import finds (Skiff writes OCI media types and keeps each layer as stored); accepted as given.
    static let formatAttributes: Set<String> = [
        "oci-mediatypes", "image-manifest", "compression", "compression-level", "force-compression",
    ]

    /// `--cache-to` text; `flag` names where it came from in errors.
    public static func parseExport(_ text: String, flag: String = "--cache-to") throws(BuildError) -> Export {
        let attrs = try attributes(text, flag: flag, defaultType: nil)
        let type = attrs["type"] ?? ""
        var allowed: Set<String> = ["type", "mode", "ignore-error"]
        let target: BuildCacheSpec
        switch type {
        case "local":
            allowed.formUnion(["dest", "tag"])
            guard let dest = attrs["dest"], !dest.isEmpty else {
                throw .usage("\(flag) \(text): type=local needs dest=DIRECTORY")
            }
            target = .local(directory: dest, tag: attrs["tag"] ?? "latest")
        case "registry":
            allowed.insert("ref")
            target = .registry(try reference(attrs, text, flag))
        case "inline":
            target = .inline
        default:
            throw unknownType(type, text, flag, known: "local, registry or inline")
        }
        try check(attrs, allowed: allowed.union(formatAttributes), text, flag)
        var mode = Mode.min
        if let m = attrs["mode"] {
            guard let parsed = Mode(rawValue: m) else {
                throw .usage("\(flag) \(text): mode=\(m): expected min or max")
            }
            if parsed == .max, target == .inline {
                throw .usage("\(flag) \(text): the inline cache supports only mode=min (BuildKit's rule)")
            }
            mode = parsed
        }
        return Export(
            target: target, mode: mode, ignoreError: try bool(attrs["ignore-error"], "ignore-error", text, flag))
    }

    /// `--cache-from` text: `type=local,src=DIR`, `type=registry,ref=REF`, or a plain REF.
    public static func parseImport(_ text: String, flag: String = "--cache-from") throws(BuildError) -> BuildCacheSpec {
        let attrs = try attributes(text, flag: flag, defaultType: "registry")
        switch attrs["type"] ?? "" {
        case "local":
            try check(attrs, allowed: ["type", "src", "tag", "digest"], text, flag)
            guard let src = attrs["src"], !src.isEmpty else {
                throw .usage("\(flag) \(text): type=local needs src=DIRECTORY")
            }
            var digest: Digest?
            if let d = attrs["digest"] {
                do { digest = try Digest(d) } catch { throw .usage("\(flag) \(text): digest=\(d): \(error)") }
            }
            return .local(directory: src, tag: attrs["tag"] ?? "latest", digest: digest)
        case "registry":
            try check(attrs, allowed: ["type", "ref"], text, flag)
            return .registry(try reference(attrs, text, flag))
        case let type:
            throw unknownType(type, text, flag, known: "local or registry (a plain REF is a registry)")
        }
    }

    /// `k=v,k=v`; a text with no `=` at all is `ref=TEXT` of `defaultType` (BuildKit's shorthand).
    static func attributes(_ text: String, flag: String, defaultType: String?) throws(BuildError) -> [String: String] {
        if let defaultType, !text.contains("=") {
            guard !text.isEmpty else { throw .usage("\(flag): an empty value") }
            return ["type": defaultType, "ref": text]
        }
        var attrs: [String: String] = [:]
        for field in text.split(separator: ",", omittingEmptySubsequences: true) {
            guard let eq = field.firstIndex(of: "=") else {
                throw .usage("\(flag) \(text): \(field): expected KEY=VALUE")
            }
            let key = field[..<eq].lowercased()
            guard attrs[key] == nil else { throw .usage("\(flag) \(text): \(key) is given twice") }
            attrs[key] = String(field[field.index(after: eq)...])
        }
        if attrs["type"] == nil {
            guard let defaultType else {
                throw .usage("\(flag) \(text): type= is required (local, registry or inline)")
            }
            attrs["type"] = defaultType
        }
        return attrs
    }

    static func reference(_ attrs: [String: String], _ text: String, _ flag: String) throws(BuildError)
        -> ImageReference
    {
        guard let ref = attrs["ref"], !ref.isEmpty else { throw .usage("\(flag) \(text): type=registry needs ref=REF") }
        do { return try ImageReference(parsing: ref) } catch { throw .usage("\(flag) \(text): ref=\(ref): \(error)") }
    }

    static func check(_ attrs: [String: String], allowed: Set<String>, _ text: String, _ flag: String)
        throws(BuildError)
    {
        for key in attrs.keys.sorted() where !allowed.contains(key) {
            let type = attrs["type"] ?? ""
            throw .usage(
                "\(flag) \(text): \(key) is not an attribute of type=\(type) (it takes \(allowed.subtracting(formatAttributes).sorted().joined(separator: ", ")))"
            )
        }
    }

    static func bool(_ value: String?, _ key: String, _ text: String, _ flag: String) throws(BuildError) -> Bool {
        switch value?.lowercased() {
        case nil, "false", "0": return false
        case "true", "1": return true
        case let other?: throw .usage("\(flag) \(text): \(key)=\(other): expected true or false")
        }
    }

    static func unknownType(_ type: String, _ text: String, _ flag: String, known: String) -> BuildError {
        let why =
            ["gha", "s3", "azblob"].contains(type)
            ? " (it stores the cache in a cloud service, which skiff cannot reach)" : ""
        return .usage("\(flag) \(text): unknown cache type \"\(type)\"\(why); expected \(known)")
    }

    /// How the cache is named in messages (`type=local,src=DIR`…).
    public var label: String {
        switch self {
        case .local(let directory, _, _): return "local cache \(directory)"
        case .registry(let ref): return "registry cache \(ref.familiar)"
        case .inline: return "inline cache"
        }
    }
}
