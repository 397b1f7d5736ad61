import SkiffImage
import SkiffOCI

/// A build's target platform (`--platform`, compose `build.platforms`, `FROM --platform=`), normalized
/// as BuildKit normalizes it (containerd's platforms.Normalize): `aarch64` is arm64, whose `v8` variant is
/// dropped; `x86_64` is amd64, whose `v1` is dropped; `arm` without a variant is `arm/v7`.
public enum BuildPlatform {
    /// A platform text that is not one, and why.
    public struct Invalid: Error, CustomStringConvertible {
        /// The text as given.
        public let text: String
        /// What is wrong with it.
        public let reason: String
        /// `"TEXT": REASON`.
        public var description: String { "\"\(text)\": \(reason)" }
    }

    /// `os/arch[/variant]` or `arch` (os linux), normalized. Only Linux builds and runs here; `anyOS` keeps
    /// another os (a compose file names `wasi/wasm` and loads as Docker Compose loads it; what would build
    /// or run it refuses it then).
    public static func parse(_ text: String, anyOS: Bool = false) throws(Invalid) -> Platform {
        let parts = text.lowercased().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
            throw Invalid(text: text, reason: "expected os/arch[/variant], e.g. linux/amd64")
        }
        let os = parts.count == 1 ? "linux" : parts[0]
        guard os == "linux" || anyOS else {
            throw Invalid(text: text, reason: "skiff builds Linux images only (the os is \(os))")
        }
        var arch = parts.count == 1 ? parts[0] : parts[1]
        var variant = parts.count == 3 ? parts[2] : nil
        switch arch {
        case "x86_64", "x86-64": arch = "amd64"
        case "aarch64": arch = "arm64"
        case "armhf": arch = "arm"; variant = variant ?? "v7"
        case "armel": arch = "arm"; variant = variant ?? "v6"
        case "i386", "i686": arch = "386"
        default: break
        }
        switch arch {
        case "amd64":
            if variant == "v1" { variant = nil }
            if let v = variant, !["v2", "v3", "v4"].contains(v) {
                throw Invalid(text: text, reason: "amd64's variants are v1 to v4")
            }
        case "arm64":
            if variant == "v8" { variant = nil }
        case "arm":
            variant = variant ?? "v7"
            if let v = variant, v.hasPrefix("v"), Int(v.dropFirst()) == 8 { variant = "v8" }
        default:
            break
        }
        guard arch.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            throw Invalid(text: text, reason: "\(arch) is not an architecture name")
        }
        return Platform(architecture: arch, os: os, variant: variant)
    }

    /// The platforms of a `--platform` list or compose `build.platforms`, normalized, each once.
    public static func list(_ texts: [String], flag: String, anyOS: Bool = false) throws(BuildError) -> [Platform] {
        var found: [Platform] = []
        for text in texts.flatMap({ $0.split(separator: ",").map(String.init) }) {
            let p: Platform
            do { p = try parse(text.trimmingCharacters(in: .whitespaces), anyOS: anyOS) } catch {
                throw .usage("\(flag) \(error.description)")
            }
            if !found.contains(p) { found.append(p) }
        }
        return found
    }

    /// `os/arch[/variant]` as BuildKit's TARGETPLATFORM writes it.
    public static func format(_ p: Platform) -> String {
        p.os + "/" + p.architecture + (p.variant.map { "/" + $0 } ?? "")
    }

    /// The platform of this machine, normalized (arm64's v8 dropped).
    public static var host: Platform {
        (try? parse(format(Platform.current))) ?? Platform.current
    }

    /// Whether programs of `target` run on a `host` CPU without emulation: the same architecture (any
    /// amd64 variant on amd64, which the test machines support up to v3; an older CPU fails at exec),
    /// or 32-bit x86 on amd64.
    public static func isNative(_ target: Platform, host: Platform = host) -> Bool {
        if target.architecture == host.architecture { return true }
        return host.architecture == "amd64" && target.architecture == "386"
    }

    /// This machine runs `target`'s programs: on its own CPU, or through an emulator registered with
    /// binfmt_misc (as Docker and BuildKit run another platform).
    public static func runsHere(_ target: Platform) -> Bool {
        isNative(target) || BinfmtHandlers.current().runs(target)
    }

    /// Why `target` does not run here, for a message that names the flag or key before it.
    public static func needsEmulator(_ target: Platform) -> String {
        "\(format(target)) does not run on this machine (\(format(host))) without an emulator registered with binfmt_misc (/proc/sys/fs/binfmt_misc), and none is registered for \(target.architecture); register one, e.g. with Debian's qemu-user-binfmt"
    }

    /// The build args BuildKit sets for a target and a build platform (TARGETPLATFORM, TARGETOS,
    /// TARGETARCH, TARGETVARIANT, and BUILD… for this machine).
    public static func args(target: Platform, build: Platform = host) -> [String: String] {
        [
            "TARGETPLATFORM": format(target), "TARGETOS": "linux", "TARGETARCH": target.architecture,
            "TARGETVARIANT": target.variant ?? "",
            "BUILDPLATFORM": format(build), "BUILDOS": "linux", "BUILDARCH": build.architecture,
            "BUILDVARIANT": build.variant ?? "",
        ]
    }

    /// Whether an image config says `platform` (os and architecture; the variant when the platform names one
    /// other than a default BuildKit drops).
    public static func config(_ config: ImageConfig, is platform: Platform) -> Bool {
        guard config.os == platform.os else { return false }
        guard
            let normalized = try? parse(config.os + "/" + config.architecture + (config.variant.map { "/" + $0 } ?? ""))
        else { return false }
        guard normalized.architecture == platform.architecture else { return false }
        if let v = platform.variant {
            return normalized.variant == v || (normalized.variant == nil && platform.architecture == "amd64")
        }
        return true
    }
}
