import SkiffImage
import SkiffOCI

extension Engine {
    /// `rmi --platform`: of a multi-platform image (an index this store keeps), that platform's entry
    /// goes (its blobs then the GC's) and the name stays for the others; its last entry, or a
    /// single-platform image that is that platform's, goes as `rmi` removes it. A platform the image
    /// does not provide is refused, as is an entry a container uses (unless `force`).
    public func removeImage(_ name: String, platform: Platform, force: Bool, noPrune: Bool = false)
        throws(KitError) -> [String]
    {
        guard let ref = try? ImageReference(parsing: name), let (_, index) = images.index(of: ref) else {
            let image: StoredImage
            do { image = try images.resolve(name) } catch { throw .image(error) }
            guard BuildPlatform.config(image.config, is: platform) else {
                throw .notFound(
                    "image with reference \(name) was found but does not provide the specified platform (\(platform))")
            }
            return try removeImage(name, force: force, noPrune: noPrune)
        }
        guard let entry = storedEntry(of: ref, for: platform) else {
            throw .notFound(
                "image with reference \(name) was found but does not provide the specified platform (\(platform))")
        }
        let digest = entry.manifestDigest
        var reduced = index
        reduced.manifests.removeAll { $0.digest == digest.description }
        if reduced.manifests.isEmpty { return try removeImage(name, force: force, noPrune: noPrune) }
        if !force, let user = containers.all().first(where: { $0.manifestDigest == digest.description }) {
            throw .usage(
                "unable to remove the \(platform) image of \(name): container \(user.shortID) (\(user.name)) uses it; remove the container first or use -f"
            )
        }
        do {
            let written = try images.content.writeJSON(reduced, mediaType: reduced.mediaType ?? MediaType.ociIndex)
            try images.tag(ref, index: try Digest(written.digest), platform: BuildPlatform.host)
        } catch { throw .image(error) }
        events.record(image: entry.id, "delete")
        _ = try collectGarbage()
        return ["Deleted: \(digest)"]
    }
}
