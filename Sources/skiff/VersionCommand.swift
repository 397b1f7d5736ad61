import ArgumentParser
import SkiffOCI
import SkiffOCICommands
import SkiffPresentation

#if canImport(Glibc)
import Glibc
#endif

/// `skiff version [--format F]`: Docker's layout, a Client and a Server section (there is no daemon:
/// the "server" is this same program and its runtime, skiff-oci), or one Go template over Docker's
/// field names (`{{.Client.Version}}`, `{{.Server.Version}}`, `{{json .}}`).
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Show the version.")
    @Option(name: [.customShort("f"), .long], help: "Format the output with a Go template, or 'json'.")
    var format: String?

    struct Component: Encodable {
        var Name: String
        var Version: String
        var Details: [String: String]
    }
    struct Part: Encodable {
        var Platform: [String: String]
        var Version: String
        var Os: String
        var Arch: String
        var KernelVersion: String?
        var Components: [Component]?
    }
    struct Doc: Encodable {
        var Client: Part
        var Server: Part
    }

    static func doc() -> Doc {
        let platform = Platform.current
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let client = Part(
            Platform: ["Name": "Skiff"], Version: SkiffVersion.number, Os: platform.os, Arch: platform.architecture)
        var server = client
        server.KernelVersion = kernel
        server.Components = [
            Component(Name: "Engine", Version: SkiffVersion.number, Details: ["KernelVersion": kernel]),
            Component(Name: "skiff-oci", Version: SkiffVersion.number, Details: ["OCISpec": Spec.version]),
        ]
        return Doc(Client: client, Server: server)
    }

    func run() throws {
        let doc = Self.doc()
        if let format {
            let template = try FormatTemplate(format == "json" ? "{{json .}}" : format)
            print(try template.render(FormatTemplate.tree(doc)))
            return
        }
        let c = doc.Client
        print(
            """
            Client:
             Version:           \(c.Version)
             OS/Arch:           \(c.Os)/\(c.Arch)
             Context:           default

            Server: Skiff (no daemon: this program)
             Engine:
              Version:          \(doc.Server.Version)
              OS/Arch:          \(c.Os)/\(c.Arch)
              Kernel:           \(doc.Server.KernelVersion ?? "")
             skiff-oci:
              Version:          \(doc.Server.Version)
              OCI spec:         \(Spec.version)
            """)
    }
}
