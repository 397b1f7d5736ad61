import ArgumentParser
import SkiffRuntime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

struct OCISpecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spec", abstract: "Write a default config.json in the bundle.")

    @Option(name: [.short, .long], help: "Directory to write config.json into.")
    var bundle: String = "."

    func run() throws {
        let path = bundle + "/config.json"
        if access(path, F_OK) == 0 {
            throw ValidationError("\(path) already exists: remove it first")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        var cgroupV2 = false
        if case .v2 = try? CgroupLayout.detect() { cgroupV2 = true }
        try FileIO.create(path, contents: Array(try encoder.encode(RuncSpecTemplate.spec(cgroupV2: cgroupV2))))
    }
}
