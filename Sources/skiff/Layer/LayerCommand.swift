import ArgumentParser
import SkiffImage

/// `skiff layer unpack|pack`: the layer code on its own, to look at what an image layer holds (and to
/// time it against tar in Scripts/bench).
struct LayerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layer", abstract: "Unpack or pack a single image layer (a tar, tar+gzip or tar+zstd blob).",
        subcommands: [LayerUnpack.self, LayerPack.self]
    )
}

struct LayerUnpack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpack",
        abstract:
            "Unpack a layer into an empty directory: OCI whiteouts become overlay whiteouts; hostile entries are refused."
    )
    @Flag(name: .customLong("allow-devices"), help: "Make device nodes found in the layer (trusted layers only).")
    var allowDevices = false
    @Argument(help: "The layer blob.") var blob: String
    @Argument(help: "An existing, empty directory.") var directory: String

    func run() throws {
        let result = try LayerUnpacker(allowDevices: allowDevices).unpack(blob: blob, into: directory)
        print("\(result.diffID)  \(result.entries) entries, \(result.uncompressedBytes) bytes (\(result.compression))")
    }
}

struct LayerPack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract:
            "Pack a directory (e.g. an overlay upper dir) into a tar+gzip layer; overlay whiteouts become OCI whiteouts."
    )
    @Argument(help: "The directory.") var directory: String
    @Argument(help: "The blob file to write.") var blob: String

    func run() throws {
        let packed = try LayerPacker().pack(directory: directory, to: blob)
        print("\(packed.digest)  diff \(packed.diffID)  \(packed.size) bytes")
    }
}
