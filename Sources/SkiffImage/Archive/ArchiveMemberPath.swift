/// Paths inside an image archive, checked before anything is read from them: an archive names its files
/// relative to its root, so an absolute path or a `..` component is refused (it could only be an attempt to
/// reach outside the archive), and link targets must resolve inside the archive too.
enum ArchiveMemberPath {
    /// "./blobs//sha256/x" → "blobs/sha256/x"; throws for absolute paths and `..` components.
    static func normalize(_ raw: String, archive: String) throws(ImageError) -> String {
        if raw.hasPrefix("/") { throw escape(raw, archive: archive) }
        var parts: [Substring] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { throw escape(raw, archive: archive) }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    /// The archive path a symlink at `link` pointing to `target` names; throws when it leaves the archive.
    static func resolve(symlink target: String, at link: String, archive: String) throws(ImageError) -> String {
        if target.hasPrefix("/") { throw escape("\(link) -> \(target)", archive: archive) }
        var parts = link.split(separator: "/").dropLast().map { $0 }
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if parts.isEmpty { throw escape("\(link) -> \(target)", archive: archive) }
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    static func escape(_ path: String, archive: String) -> ImageError {
        .invalidContent(
            "\(archive): archive entry \"\(path)\" points outside the archive (absolute paths and \"..\" are refused); nothing was loaded"
        )
    }
}
