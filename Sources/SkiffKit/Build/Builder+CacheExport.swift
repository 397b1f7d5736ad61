import SkiffImage
import SkiffOCI

extension Builder {
    /// `--cache-to`: each export asked for, once the build has succeeded. Returns the image to tag (with
    /// `type=inline`, the image whose config carries the cache). A failed export fails the build unless
    /// `ignore-error=true`, as BuildKit's.
    func exportCache(_ run: BuildRun, image: StoredImage) throws(BuildError) -> StoredImage {
        var result = image
        for export in options.cacheTo {
            let config = BuildCacheConfig(mode: export.mode.rawValue, records: Self.records(run, mode: export.mode))
            if !options.quiet {
                output("Exporting the build cache (\(config.records.count) steps) to the \(export.target.label)")
            }
            do throws(BuildError) {
                switch export.target {
                case .local(let directory, let tag, _):
                    try BuildCacheLayout(directory: directory, tag: tag).export(config, images: engine.images)
                case .registry(let reference):
                    try BuildCacheRegistry(reference: reference).export(config, images: engine.images)
                case .inline:
                    result = try BuildCacheInline.embed(config, in: result, images: engine.images)
                }
            } catch {
                guard export.ignoreError else { throw error }
                output("WARNING: exporting the \(export.target.label) failed (ignore-error=true): \(error.description)")
            }
        }
        return result
    }

    /// The records to export: `min`, the steps of the target stage and of the stages it is FROM
    /// (the final image's own steps); `max`, every stage's steps.
    static func records(_ run: BuildRun, mode: BuildCacheSpec.Mode) -> [BuildCacheRecord] {
        var stages: [Int] = []
        switch mode {
        case .max:
            stages = run.stageCacheKeys.keys.sorted()
        case .min:
            var next = run.targetStage
            while let s = next, !stages.contains(s) {
                stages.insert(s, at: 0)
                next = run.stageFrom[s]
            }
        }
        let cache = run.cache
        var seen = Set<String>()
        var out: [BuildCacheRecord] = []
        for stage in stages {
            for key in run.stageCacheKeys[stage] ?? [] where seen.insert(key).inserted {
                if let record = cache.record(key) { out.append(record) }
            }
        }
        return out
    }
}
