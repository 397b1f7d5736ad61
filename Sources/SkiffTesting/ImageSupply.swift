import Foundation
import SkiffImage
import SkiffKit

#if canImport(Glibc)
import Glibc
#endif

/// Images for test containers: taken from the state root, pulled when missing (Docker's
/// `--pull missing`), or built from a Dockerfile directory through the build cache.
enum ImageSupply {
    static func ensure(_ reference: String, engine: Engine) throws(SkiffTestingError) {
        do {
            _ = try engine.images.resolve(reference)
            return
        } catch {
            guard case .notFound = error else { throw .engine("image \(reference): \(error)") }
        }
        do {
            let parsed = try ImageReference(parsing: reference)
            _ = try Puller(store: engine.images).pull(parsed)
        } catch {
            throw .engine(
                "image \(reference) is not in \(engine.root) and pulling it failed: \(error)"
                    + " (load it with `skiff load -i FILE` or TestSession.loadImages(archive:))")
        }
    }

    /// Build `directory` (untagged): an unchanged directory is answered by the build cache.
    static func build(
        directory: String, dockerfile: String?, buildArgs: [String: String],
        engine: Engine
    ) throws(SkiffTestingError) -> StoredImage {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(
            "skiff-testing-build-\(UUID().uuidString).log"
        ).path
        let fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .engine("cannot write \(log): \(String(cString: strerror(errno)))") }
        defer {
            close(fd)
            unlink(log)
        }
        var options = BuildOptions(contextDirectory: directory)
        if let dockerfile {
            options.dockerfilePath = dockerfile.hasPrefix("/") ? dockerfile : directory + "/" + dockerfile
        }
        options.buildArgs = buildArgs.mapValues { Optional($0) }
        options.runOutput = fd
        options.quiet = true
        let output = OutputLines()
        let builder = Builder(engine: engine, options: options) { output.append($0) }
        do {
            let result = try builder.build()
            return try engine.images.image(manifest: result.manifestDigest)
        } catch {
            let runOutput = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let tail = (output.lines + runOutput.split(separator: "\n").map(String.init)).suffix(20).joined(
                separator: "\n")
            throw .buildFailed(directory: directory, reason: "\(error)" + (tail.isEmpty ? "" : "\n" + tail))
        }
    }
}

/// The builder's progress lines, kept for an error message.
private final class OutputLines: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String] = []
    func append(_ line: String) { lock.withLock { kept.append(line) } }
    var lines: [String] { lock.withLock { kept } }
}
