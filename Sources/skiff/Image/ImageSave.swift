import ArgumentParser
import SkiffImage
import SkiffKit

#if canImport(Glibc)
import Glibc
#endif

/// `skiff save [-o FILE] [--format docker-archive|oci-archive] IMAGE...`
struct ImageSave: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save",
        abstract: "Save images to a tar archive (docker-archive by default; streamed to stdout without -o).")

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    @Option(name: .long, help: "docker-archive (what docker save writes) or oci-archive (an OCI image layout).")
    var format: String = "docker-archive"

    @Option(name: .long, help: "Save only this platform's image of a multi-platform image (e.g. linux/arm64).")
    var platform: String?

    @Argument(help: "Images (name or ID).")
    var images: [String]

    func validate() throws {
        if images.isEmpty { throw ValidationError("name at least one image to save") }
        if ImageArchiveFormat(parsing: format) == nil {
            throw ValidationError("--format: expected docker-archive or oci-archive, got \"\(format)\"")
        }
    }

    func run() throws {
        let format = ImageArchiveFormat(parsing: format)!
        let writer = ImageArchiveWriter(store: SkiffContext.imageStore())
        if output == nil && isatty(STDOUT_FILENO) == 1 {
            throw ImageError.invalidContent(
                "refusing to write an archive to a terminal: use -o FILE or redirect standard output")
        }
        let selected = try platform.map { try Self.resolve(images, platform: $0) } ?? writer.resolve(images)
        if let output {
            try writer.write(selected, format: format, toPath: output)
        } else {
            try writer.write(selected, format: format, to: STDOUT_FILENO, what: "standard output")
        }
        for s in selected { SkiffContext.engine().events.record(image: s.image.id, "save") }
    }
}

extension ImageSave {
    /// With --platform: each name's image for that platform (`PlatformImage`), saved under the name
    /// when it is a tag, as the name stands for it on that platform.
    static func resolve(_ names: [String], platform: String) throws -> [ArchivedImage] {
        var out: [ArchivedImage] = []
        for name in names {
            let image = try PlatformImage.resolve(name, platform: platform)
            let tags = (try? ImageReference(parsing: name)).flatMap { $0.tag != nil ? [$0] : nil } ?? []
            if let i = out.firstIndex(where: { $0.image.manifestDigest == image.manifestDigest }) {
                out[i].tags += tags.filter { !out[i].tags.contains($0) }
            } else {
                out.append(ArchivedImage(image: image, tags: tags))
            }
        }
        return out
    }
}
