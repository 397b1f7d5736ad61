import SkiffImage

extension Engine {
    /// `rmi`: untag `name` (a name removes only that name; an ID removes every name of the image), then
    /// delete what nothing uses any more. Returns docker's lines ("Untagged: …", "Deleted: …").
    public func removeImage(_ name: String, force: Bool) throws(KitError) -> [String] {
        let image: StoredImage
        do { image = try images.resolve(name) } catch { throw .image(error) }
        let users = containers.all().filter { $0.manifestDigest == image.manifestDigest.description }
        var targets = image.references
        if let ref = try? ImageReference(parsing: name), image.references.contains(ref) {
            targets = [ref]
        }
        let lastName = targets.count == image.references.count
        if lastName, let user = users.first, !force {
            throw .usage("unable to remove image \(name): container \(user.shortID) (\(user.name)) uses it; remove the container first or use -f")
        }
        var lines: [String] = []
        for ref in targets {
            do { try images.untag(ref) } catch { throw .image(error) }
            lines.append("Untagged: \(ref.familiar)")
        }
        if lastName {
            for d in try collectGarbage() { lines.append("Deleted: \(d)") }
        }
        return lines
    }

    /// Delete blobs and unpacked layers that no named image and no container uses.
    @discardableResult
    public func collectGarbage() throws(KitError) -> [Digest] {
        let all = containers.all()
        var keep = Set<Digest>()
        var liveChains = Set(all.flatMap(\.layerChainIDs))
        for c in all {
            guard let d = try? Digest(c.manifestDigest), let img = try? images.image(manifest: d) else { continue }
            keep.insert(d)
            keep.insert(img.configDigest)
            for l in img.manifest.layers { if let ld = try? Digest(l.digest) { keep.insert(ld) } }
        }
        BuildCache(engine: self).retain(keep: &keep, chains: &liveChains)  // intermediate images the build cache points at
        let removed: [Digest]
        do {
            removed = try images.collectGarbage(keep: keep)
            for img in try images.list() {
                liveChains.formUnion(LayerStore.chainIDs(diffIDs: img.config.rootfs.diffIDs))
            }
        } catch {
            throw .image(error)
        }
        layers.collectGarbage(live: liveChains)
        return removed
    }
}
