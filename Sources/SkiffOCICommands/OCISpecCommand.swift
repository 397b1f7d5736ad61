import SkiffRuntime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

struct OCISpecCommand: RuntimeCommand {
    static let spec = RuntimeCommandSpec(
        "spec", "Write a default config.json in the bundle.",
        options: [.value("bundle", "b", placeholder: "dir", help: "Directory to write config.json into.")])
    let bundle: String

    init(_ a: RuntimeArguments) { bundle = a.string("bundle") ?? "." }

    func run() throws {
        let path = bundle + "/config.json"
        if access(path, F_OK) == 0 {
            throw CommandLineError("\(path) already exists: remove it first")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        let spec = RuncSpecTemplate.spec(cgroupV2: CgroupLayout.isUnifiedMode())
        try FileIO.create(path, contents: Array(try encoder.encode(spec)))
    }
}
