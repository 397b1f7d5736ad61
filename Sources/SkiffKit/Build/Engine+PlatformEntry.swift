import SkiffImage
import SkiffOCI

extension Engine {
    /// The entry for `platform` of a multi-platform image this store holds under `reference` (the name
    /// itself stands for this machine's entry), for `run --platform` and a build's `FROM`; nil when the
    /// store holds no index of that name or no entry whose config is that platform's.
    public func storedEntry(of reference: ImageReference, for platform: Platform) -> StoredImage? {
        guard let (_, index) = images.index(of: reference),
            let entry = try? Puller.select(platform, from: index, reference: reference.description),
            let digest = try? Digest(entry.digest), let image = try? images.image(manifest: digest),
            BuildPlatform.config(image.config, is: platform)
        else { return nil }
        return image
    }
}
