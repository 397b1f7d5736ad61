import SkiffImage

extension Engine {
    /// `rmi`: untag `name` (a name removes only that name; an ID removes every name of the image), then
    /// delete what nothing uses any more: with the image, as Docker's, its untagged parents that no
    /// container and no other image uses, unless `noPrune` (`--no-prune`). Returns docker's lines
    /// ("Untagged: …", "Deleted: …").
    public func removeImage(_ name: String, force: Bool, noPrune: Bool = false) throws(KitError) -> [String] {
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
            let parents = noPrune ? [] : untaggedParents(of: image.manifestDigest)
            do {
                for parent in parents {
                    try images.forgetUntagged(manifest: parent.manifestDigest)
                    events.record(image: parent.id, "delete")
                }
                for gone in [image] + parents { try images.forgetParent(of: gone.manifestDigest) }
            } catch {
                throw .image(error)
            }
            for d in try collectGarbage() { lines.append("Deleted: \(d)") }
        }
        return lines
    }

    /// The parents of the removed image `child` that go with it, nearest first: each one untagged, used
    /// by no container and made into no other image that is still there; the walk stops at the first
    /// that is kept.
    private func untaggedParents(of child: Digest) -> [StoredImage] {
        let named = Set(((try? images.references()) ?? [:]).values)
        let untagged = Set(images.untaggedManifests())
        let used = Set(containers.all().compactMap { try? Digest($0.manifestDigest) })
        var gone: Set<Digest> = [child]
        var out: [StoredImage] = []
        var current = child
        while let parent = images.parent(of: current), !gone.contains(parent) {
            let otherChildren = images.children(of: parent).filter {
                !gone.contains($0) && (named.contains($0) || untagged.contains($0))
            }
            guard !named.contains(parent), untagged.contains(parent), !used.contains(parent), otherChildren.isEmpty,
                let image = try? images.image(manifest: parent)
            else { break }
            out.append(image)
            gone.insert(parent)
            current = parent
        }
        return out
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
