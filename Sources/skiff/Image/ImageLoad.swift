import ArgumentParser
import SkiffImage
import SkiffKit
import SkiffOCI

#if canImport(Glibc)
import Glibc
#endif

/// `skiff load [-i FILE] [-q]`: docker-archive or OCI layout tars, plain or compressed.
struct ImageLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load images from a tar archive (docker save / podman save / OCI layout; gzip, zstd or xz too).")

    @Option(name: .shortAndLong, help: "Read from this file instead of standard input.")
    var input: String?

    @Flag(name: .shortAndLong, help: "Print only the \"Loaded image\" lines (skiff prints no progress anyway).")
    var quiet = false

    @Option(name: .long, help: "Load only this platform's image of a multi-platform archive (e.g. linux/arm64).")
    var platform: String?

    func run() throws {
        var only: Platform?
        if let platform {
            do { only = try BuildPlatform.parse(platform, anyOS: true) } catch {
                throw ValidationError("--platform \(error.description)")
            }
        }
        let loader = ImageArchiveLoader(store: SkiffContext.imageStore(), platform: only)
        let loaded: [LoadedImage] = try Interruptible.run {
            if let input, input != "-" {
                return try loader.load(path: input)
            }
            if isatty(STDIN_FILENO) == 1 {
                throw ImageError.invalidContent(
                    "requested load from standard input, but it is a terminal: use -i FILE or redirect standard input")
            }
            return try loader.load(fd: STDIN_FILENO, source: "standard input")
        }
        for image in loaded {
            SkiffContext.engine().events.record(image: image.id, "load")
            if image.references.isEmpty {
                print("Loaded image ID: \(image.id)")
            } else {
                for ref in image.references { print("Loaded image: \(ref.familiar)") }
            }
        }
    }
}
