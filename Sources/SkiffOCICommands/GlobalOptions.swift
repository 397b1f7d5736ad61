#if canImport(Glibc)
import Glibc
#endif

/// runc's global flags (`--root`, `--log`, `--log-format`, `--debug`), accepted anywhere before the
/// command name, so `skiff --root R oci run ...` and `skiff oci --root R run ...` both work, as does
/// a caller written for runc.
public struct GlobalOptions: Sendable {
    public var root: String?
    public var logPath: String?
    public var logFormat: Logs.Format = .text
    public var debug = false

    nonisolated(unsafe) public static var shared = GlobalOptions()

    /// Default state root of `skiff oci`: $SKIFF_ROOT/oci, or /run/skiff/oci.
    var ociRoot: String {
        if let root { return root }
        if let env = getenv("SKIFF_ROOT") { return String(cString: env) + "/oci" }
        return "/run/skiff/oci"
    }

    public static func extract(from arguments: inout [String]) throws -> GlobalOptions {
        var options = GlobalOptions()
        var rest: [String] = []
        var index = 0
        var sawCommand = 0
        func value(_ flag: String) throws -> String {
            if let eq = arguments[index].firstIndex(of: "=") {
                return String(arguments[index][arguments[index].index(after: eq)...])
            }
            index += 1
            guard index < arguments.count else { throw CommandLineError("\(flag) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let arg = arguments[index]
            let name = arg.split(separator: "=", maxSplits: 1).first.map(String.init) ?? arg
            // Global flags stand before the OCI command name ("skiff oci --root R state ID").
            if sawCommand < 2 {
                switch name {
                case "--root": options.root = try value("--root"); index += 1; continue
                case "--log": options.logPath = try value("--log"); index += 1; continue
                case "--log-format":
                    let v = try value("--log-format")
                    guard let format = Logs.Format(rawValue: v) else {
                        throw CommandLineError("--log-format: expected text or json, got \"\(v)\"")
                    }
                    options.logFormat = format
                    index += 1
                    continue
                case "--debug": options.debug = true; index += 1; continue
                case "--systemd-cgroup":
                    throw CommandLineError(
                        "--systemd-cgroup: skiff manages cgroupfs directly; the systemd cgroup driver is not supported")
                default: break
                }
            }
            if !arg.hasPrefix("-") { sawCommand += 1 }
            if arg == "--" { rest.append(contentsOf: arguments[index...]); break }
            rest.append(arg)
            index += 1
        }
        arguments = rest
        return options
    }
}

#if canImport(Glibc)
import Glibc
#endif
