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
        let selected = try writer.resolve(images)
        if let output {
            try writer.write(selected, format: format, toPath: output)
        } else {
            try writer.write(selected, format: format, to: STDOUT_FILENO, what: "standard output")
        }
        for s in selected { SkiffContext.engine().events.record(image: s.image.id, "save") }
    }
}
