import SkiffImage

/// `config --resolve-image-digests`: every service's `image:` pinned to the digest its registry serves
/// for it now (an index's for a multi-platform image), written in full as Docker Compose writes it:
/// `docker.io/library/busybox:latest@sha256:…`. An image already pinned keeps its digest.
extension ComposeProject {
    package func withImagesResolved(_ digest: (ImageReference) throws(ComposeError) -> Digest) throws(ComposeError)
        -> ComposeProject
    {
        var out = self
        for i in out.services.indices {
            guard let image = out.services[i].image else { continue }
            var reference: ImageReference
            do { reference = try ImageReference(parsing: image) } catch {
                throw .invalid(
                    file: files.first ?? "compose.yaml", path: "services.\(services[i].name).image",
                    reason: "invalid reference \"\(image)\": \(error)")
            }
            if reference.digest == nil {
                if reference.tag == nil { reference.tag = "latest" }
                reference.digest = try digest(reference)
            }
            out.services[i].image = reference.description
        }
        return out
    }

    /// The digest the image's registry serves for its tag (a manifest GET, as `docker buildx imagetools
    /// inspect` and Compose's resolver ask).
    package static func registryDigest(_ reference: ImageReference) throws(ComposeError) -> Digest {
        do {
            let client = try RegistryClient(registry: reference.registry, options: RegistryOptions())
            return try client.manifest(repository: reference.repository, reference: reference.manifestReference).digest
        } catch {
            throw .usage("resolving the digest of \(reference.familiar): \(error)")
        }
    }
}

extension ComposeProject {
    /// `config --lock-image-digests`: an override file of the services' images alone.
    public func imagesOnlyYAML() -> String {
        ComposeTree.mapping([
            .init(
                "services",
                .mapping(
                    services.map { s in
                        .init(s.name, .mapping(s.image.map { [.init("image", .scalar($0, quoted: true))] } ?? []))
                    }))
        ]).yaml()
    }
}
