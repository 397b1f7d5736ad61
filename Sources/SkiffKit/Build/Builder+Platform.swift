import SkiffImage
import SkiffOCI

extension BuildRun {
    /// A FROM image for `platform` (`--platform`, `FROM --platform=`). This machine's platform: as
    /// `baseImage(_:from:)` finds it. Another: the store's image of that name when its config says that
    /// platform, else the one pulled for that platform before (kept untagged in the store, as BuildKit's
    /// content store keeps it), else that platform's entry of a multi-platform image of that name, else
    /// the registry index's entry for it, pulled without moving the name off this machine's image
    /// (BuildKit tags no base image); `--pull` pulls it again. The stage's config says the stage's
    /// platform, as BuildKit's (amd64/v2 on an amd64 base: the variant written in).
    func baseImage(_ base: String, from: Instruction, platform: Platform) throws(BuildError) -> StoredImage {
        var image: StoredImage
        let host = BuildPlatform.host
        if platform.architecture == host.architecture, platform.variant == nil || platform.architecture == "amd64" {
            image = try baseImage(base, from: from)
        } else if !options.pull, let local = try? engine.images.resolve(base),
            BuildPlatform.config(local.config, is: platform)
        {
            image = local
        } else {
            let reference: ImageReference
            do { reference = try ImageReference(parsing: base) } catch {
                throw fail(from, "base image \(base): \(error)")
            }
            if !options.pull, let pulled = engine.images.platformPull(reference, platform: platform),
                BuildPlatform.config(pulled.config, is: platform)
            {
                return try withVariant(pulled, platform)
            }
            if !options.pull, let entry = engine.storedEntry(of: reference, for: platform) {
                return try withVariant(entry, platform)
            }
            say("Pulling \(reference.familiar) for \(BuildPlatform.format(platform))")
            var pull = PullOptions(platform: platform)
            pull.tagsReference = false
            do { image = try Puller(store: engine.images, options: pull, progress: nil).pull(reference) } catch {
                throw fail(
                    from, "base image \(base) for \(BuildPlatform.format(platform)) could not be pulled: \(error)")
            }
            guard BuildPlatform.config(image.config, is: platform) else {
                throw fail(
                    from,
                    "base image \(base) has no image for \(BuildPlatform.format(platform)) (its config says \(image.config.os)/\(image.config.architecture))"
                )
            }
        }
        return try withVariant(image, platform)
    }

    private func withVariant(_ image: StoredImage, _ platform: Platform) throws(BuildError) -> StoredImage {
        guard let variant = platform.variant, image.config.architecture == platform.architecture,
            image.config.variant != variant
        else { return image }
        var config = image.config
        config.variant = variant
        return try committer.write(config: config, manifest: image.manifest)
    }

    /// A RUN step of a platform this CPU does not run needs an emulator registered with binfmt_misc
    /// (qemu-user's, as BuildKit needs); without one the step fails as it does in BuildKit.
    func checkEmulation(_ ins: Instruction, argv: [String]) throws(BuildError) {
        let platform = stagePlatform
        guard !BuildPlatform.runsHere(platform) else { return }
        throw fail(
            ins,
            "RUN for \(BuildPlatform.format(platform)): exec \(argv.first ?? "/bin/sh"): exec format error (no emulator for \(BuildPlatform.format(platform)) is registered in /proc/sys/fs/binfmt_misc; register one, e.g. with Debian's qemu-user-binfmt, to run this platform's programs)"
        )
    }
}
