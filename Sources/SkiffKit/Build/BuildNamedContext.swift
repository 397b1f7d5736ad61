import SkiffImage
import SkiffSystem

/// A named build context (`--build-context NAME=VALUE`, compose `build.additional_contexts`): what
/// `FROM NAME`, `COPY --from=NAME` and `RUN --mount=…,from=NAME` read instead of a stage or an image of
/// that name, as BuildKit resolves them (a named context wins over both).
public enum BuildNamedContext: Sendable, Equatable {
    /// A local directory (absolute): read as the build context is, with its own `.dockerignore`, every
    /// path resolved beneath it.
    case directory(String)
    /// `docker-image://REF`: an image, pulled when it is not here (as FROM pulls).
    case image(String)

    /// `NAME=VALUE` as `--build-context` takes it; a relative directory is resolved against `base`.
    /// `flag` names where the text came from in errors.
    public static func parse(_ text: String, base: String, flag: String = "--build-context") throws(BuildError)
        -> (name: String, context: BuildNamedContext)
    {
        guard let eq = text.firstIndex(of: "=") else {
            throw .usage("\(flag) \(text): expected NAME=VALUE (a directory or docker-image://REF)")
        }
        let name = String(text[..<eq])
        let value = String(text[text.index(after: eq)...])
        do {
            return (try checkedName(name), try parse(value: value, base: base))
        } catch {
            throw .usage("\(flag) \(text): \(error.description)")
        }
    }

    /// What a name is matched by, as BuildKit normalizes it: an image-like name in its familiar form without
    /// `:latest` (`docker.io/library/alpine:latest` and `alpine` are one), anything else lowercased.
    public static func key(_ name: String) -> String {
        guard let ref = try? ImageReference(parsing: name) else { return name.lowercased() }
        let familiar = ref.familiar
        return familiar.hasSuffix(":latest") ? String(familiar.dropLast(":latest".count)) : familiar
    }

    /// A context's name: what a Dockerfile writes after FROM or --from= (an image-reference-like word).
    public static func checkedName(_ name: String) throws(BuildError) -> String {
        guard !name.isEmpty, name.allSatisfy({ !$0.isWhitespace && $0 != "," && $0 != "=" && $0 != "$" }) else {
            throw .usage("invalid build context name \"\(name)\"")
        }
        return name
    }

    /// One context's VALUE (errors say what is wrong with it; the caller names where it came from).
    public static func parse(value: String, base: String) throws(BuildError) -> BuildNamedContext {
        guard !value.isEmpty else { throw .usage("the value is empty (a directory or docker-image://REF)") }
        if value.hasPrefix("docker-image://") {
            let ref = String(value.dropFirst("docker-image://".count))
            do { _ = try ImageReference(parsing: ref) } catch {
                throw .usage("invalid image reference \"\(ref)\": \(error)")
            }
            return .image(ref)
        }
        for scheme in ["oci-layout://", "http://", "https://", "git://", "git@", "ssh://", "target:", "input:"]
        where value.hasPrefix(scheme) {
            throw .usage(
                "skiff build takes a local directory or docker-image://REF as a named context (\(scheme) sources are not fetched); check the value out or pull the image and name it"
            )
        }
        // Lexically, as filepath.Abs: `..` and `.` are taken away before the directory is opened.
        let cleaned = InRootPath.clean(value.hasPrefix("/") ? value : base + "/" + value)
        guard FileIO.isDirectory(cleaned) else {
            throw .usage("the directory \(cleaned) does not exist")
        }
        return .directory(cleaned)
    }
}

/// A privilege a build must be granted before a RUN step may ask for it (`--allow`, compose
/// `build.entitlements`), as BuildKit's entitlements.
public enum BuildEntitlement: String, Sendable, CaseIterable {
    /// `RUN --network=host`.
    case networkHost = "network.host"
    /// `RUN --security=insecure`: the step runs privileged.
    case securityInsecure = "security.insecure"

    /// The name as `--allow` takes it; `flag` names where it came from in errors.
    public static func parse(_ text: String, flag: String = "--allow") throws(BuildError) -> BuildEntitlement {
        guard let e = BuildEntitlement(rawValue: text) else {
            throw .usage(
                "\(flag) \(text): unknown entitlement (expected \(allCases.map(\.rawValue).joined(separator: " or ")))")
        }
        return e
    }
}
