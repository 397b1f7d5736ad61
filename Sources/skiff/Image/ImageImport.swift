import ArgumentParser
import SkiffImage
import SkiffKit
import SkiffOCI

#if canImport(Glibc)
import Glibc
#endif

/// `skiff import [--change INSTR]... [-m MSG] FILE|- [REPOSITORY[:TAG]]`, like `docker import`.
struct ImageImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Make a one-layer image from a root filesystem tarball (plain or compressed).")

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "A Dockerfile instruction to apply to the config (CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME, STOPSIGNAL, ONBUILD); repeatable.",
            valueName: "instruction"))
    var change: [String] = []

    @Option(name: .shortAndLong, help: "The history comment.")
    var message: String?

    @Option(name: .long, help: "The image's platform (e.g. linux/arm64; default: this machine's).")
    var platform: String?

    @Argument(help: "The tarball, or - for standard input.")
    var file: String

    @Argument(help: "The name to give the image.")
    var repository: String?

    func run() throws {
        let reference = try repository.map { try ImageReference(parsing: $0) }
        var imagePlatform = Platform.current
        if let platform {
            do { imagePlatform = try BuildPlatform.parse(platform) } catch {
                throw ValidationError("--platform \(error.description)")
            }
        }
        let importer = RootfsImporter(store: SkiffContext.imageStore())
        let image: StoredImage = try Interruptible.run {
            if file == "-" {
                if isatty(STDIN_FILENO) == 1 {
                    throw ImageError.invalidContent(
                        "import from standard input, but it is a terminal: pipe a tarball in or name a file")
                }
                return try importer.importRootfs(
                    fd: STDIN_FILENO, source: "-", changes: change, message: message, reference: reference,
                    platform: imagePlatform)
            }
            return try importer.importRootfs(
                path: file, changes: change, message: message, reference: reference, platform: imagePlatform)
        }
        SkiffContext.engine().events.record(image: image.id, "import")
        print(image.id.description)
    }
}
