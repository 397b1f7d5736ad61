import ArgumentParser
import SkiffImage
import SkiffKit
import SkiffOCI

/// Docker 28's `--platform` on the commands that read one image (image inspect, history): with a
/// multi-platform image the store keeps (its index, or a pull for another platform), that platform's
/// entry; a single-platform image only when it is that platform's, else refused as Docker's image
/// store refuses it.
enum PlatformImage {
    static func resolve(_ name: String, platform text: String?) throws -> StoredImage {
        let engine = SkiffContext.engine()
        guard let text else { return try engine.images.resolve(name) }
        let platform: Platform
        do { platform = try BuildPlatform.parse(text, anyOS: true) } catch {
            throw ValidationError("--platform \(error.description)")
        }
        if let ref = try? ImageReference(parsing: name) {
            if let entry = engine.storedEntry(of: ref, for: platform) { return entry }
            // A build's FROM kept for another platform without taking the name.
            if let pulled = engine.images.platformPull(ref, platform: platform) { return pulled }
        }
        let image = try engine.images.resolve(name)
        guard BuildPlatform.config(image.config, is: platform) else {
            let actual = [image.config.os, image.config.architecture, image.config.variant].compactMap { $0 }
                .joined(separator: "/")
            throw KitError.notFound(
                "image with reference \(name) was found but does not provide the specified platform (\(platform)); it is \(actual)"
            )
        }
        return image
    }
}
