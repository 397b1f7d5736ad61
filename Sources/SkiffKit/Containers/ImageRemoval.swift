import SkiffImage

extension Engine {
    /// `rmi`: untag `name` (a name removes only that name; an ID removes every name of the image), then
    /// delete what nothing uses any more. Returns docker's lines ("Untagged: …", "Deleted: …").
    public func removeImage(_ name: String, force: Bool) throws(KitError) -> [String] {
        let image: StoredImage
        do { image = try images.resolve(name) } catch {
            if let lines = try removeUnreadableName(name) { return lines }
            throw .image(error)
        }
        let users = containers.all().filter { $0.manifestDigest == image.manifestDigest.description }
        var targets = image.references
        if let ref = try? ImageReference(parsing: name), image.references.contains(ref) {
            targets = [ref]
        }
        let lastName = targets.count == image.references.count
        if lastName, let user = users.first, !force {
            throw .usage(
                "unable to remove image \(name): container \(user.shortID) (\(user.name)) uses it; remove the container first or use -f"
            )
        }
        var lines: [String] = []
        if image.references.isEmpty {
            // An image kept without a name (commit or import without one): `rmi ID` removes it.
            do { try images.forgetUntagged(manifest: image.manifestDigest) } catch { throw .image(error) }
        }
        for ref in targets {
            do { try images.untag(ref) } catch { throw .image(error) }
            events.record(image: image.id, "untag")
            lines.append("Untagged: \(ref.familiar)")
        }
        if lastName {
            events.record(image: image.id, "delete")
            for d in try collectGarbage() { lines.append("Deleted: \(d)") }
        }
        return lines
    }

    /// `rmi` of a name whose image can no longer be read (a corrupt manifest or config): untag it, so
    /// that garbage collection, which stops at unreadable named manifests, can run again. Nil when
    /// `name` is not such a name.
    private func removeUnreadableName(_ name: String) throws(KitError) -> [String]? {
        guard let ref = try? ImageReference(parsing: name) else { return nil }
        let refs: [ImageReference: Digest]
        do { refs = try images.references() } catch { throw .image(error) }
        guard let digest = refs[ref], (try? images.image(manifest: digest)) == nil else { return nil }
        do { try images.untag(ref) } catch { throw .image(error) }
        var lines = ["Untagged: \(ref.familiar)"]
        if !refs.contains(where: { $0.key != ref && $0.value == digest }) {
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
        // Intermediate images the build cache points at.
        BuildCache(engine: self).retain(keep: &keep, chains: &liveChains)
        let removed: [Digest]
        do {
            removed = try images.collectGarbage(keep: keep)
            // Every named image strictly, not `list()`, which skips unreadable ones: their layers stay.
            for digest in Set(try images.references().values).union(images.untaggedManifests()) {
                let img = try images.image(manifest: digest)
                liveChains.formUnion(LayerStore.chainIDs(diffIDs: img.config.rootfs.diffIDs))
            }
        } catch {
            throw .image(error)
        }
        layers.collectGarbage(live: liveChains)
        return removed
    }
}
