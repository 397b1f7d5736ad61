import SkiffImage

extension Engine {
    /// `image prune -a` / `system prune -a`: every image no container uses loses its names, then the
    /// blobs nothing refers to are collected. Returns the names removed and the blobs deleted.
    public func pruneUnusedImages(filter: PruneFilter = PruneFilter()) throws(KitError) -> (
        names: [String], blobs: [Digest]
    ) {
        let used = Set(listContainers().map(\.manifestDigest))
        var names: [String] = []
        let stored: [StoredImage]
        do { stored = try images.list() } catch { throw .image(error) }
        for image in stored where !used.contains(image.manifestDigest.description) {
            guard filter.matches(created: image.config.created, labels: image.config.config?.Labels ?? [:]) else {
                continue
            }
            if image.references.isEmpty {
                do { try images.forgetUntagged(manifest: image.manifestDigest) } catch { throw .image(error) }
            }
            for reference in image.references {
                do { _ = try images.untag(reference) } catch { throw .image(error) }
                names.append(reference.familiar)
            }
        }
        return (names, try collectGarbage())
    }

    /// `image prune`: the images kept without a name (Docker's dangling images) that no container uses
    /// are let go; the garbage collection that follows deletes them.
    public func pruneDanglingImages(filter: PruneFilter = PruneFilter()) throws(KitError) {
        let used = Set(listContainers().map(\.manifestDigest))
        for digest in images.untaggedManifests() where !used.contains(digest.description) {
            if !filter.isEmpty {
                guard let image = try? images.image(manifest: digest),
                    filter.matches(created: image.config.created, labels: image.config.config?.Labels ?? [:])
                else { continue }
            }
            do { try images.forgetUntagged(manifest: digest) } catch { throw .image(error) }
        }
    }
}
