import SkiffImage
import SkiffOCI

extension Builder {
    /// `--platform a,b` (compose `build.platforms` with several): one build per platform, then an OCI
    /// image index of their images under the tags, as buildx makes one. The name lists and runs this
    /// machine's entry (else the first); `push` pushes the index and every entry.
    func buildIndex() throws(BuildError) -> BuildResult {
        guard options.cacheTo.isEmpty else {
            throw .usage(
                "--cache-to with several platforms: each platform's steps would overwrite the others' in one cache; export it from a build of one platform"
            )
        }
        var tags: [ImageReference] = []
        for t in options.tags {
            do { tags.append(try ImageReference(parsing: t)) } catch { throw .usage("invalid tag \"\(t)\": \(error)") }
        }
        var entries: [Descriptor] = []
        var steps: [BuildResult.StepRecord] = []
        var work = BuildWork.Counts()
        for platform in options.platforms {
            var one = options
            one.platform = platform
            one.platforms = []
            one.tags = []
            let name = BuildPlatform.format(platform)
            let output = self.output
            let quiet = options.quiet
            let result = try Builder(engine: engine, options: one) { line in
                if !quiet { output("[\(name)] " + line) }
            }.build()
            let image: StoredImage
            do { image = try engine.images.image(manifest: result.manifestDigest) } catch { throw .wrap(error) }
            let size = engine.images.content.size(of: image.manifestDigest) ?? 0
            entries.append(
                Descriptor(
                    mediaType: image.manifest.mediaType ?? MediaType.ociManifest,
                    digest: image.manifestDigest.description, size: size,
                    platform: Platform(
                        architecture: image.config.architecture, os: image.config.os, variant: image.config.variant)))
            steps += result.steps
            work.imagesWritten += result.work.imagesWritten
            work.configBytesWritten += result.work.configBytesWritten
            work.configBytesRead += result.work.configBytesRead
            work.cacheEntriesRead += result.work.cacheEntriesRead
            work.cacheEntryBytesRead += result.work.cacheEntryBytesRead
        }
        let index: Digest
        do {
            let descriptor = try engine.images.content.writeJSON(
                ImageIndex(manifests: entries), mediaType: MediaType.ociIndex)
            index = try Digest(descriptor.digest)
            for ref in tags {
                try engine.images.tag(ref, index: index, platform: BuildPlatform.host)
                engine.events.record(image: index, name: ref.familiar, "tag")
            }
        } catch { throw .wrap(error) }
        if options.quiet {
            output(index.description)
        } else {
            output("Successfully built \(index.short) (an image index of \(entries.count) platforms)")
            for ref in tags { output("Successfully tagged \(ref.familiar)") }
        }
        return BuildResult(imageID: index, manifestDigest: index, tags: tags, steps: steps, work: work)
    }
}
