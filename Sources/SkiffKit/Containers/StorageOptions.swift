import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `--storage-opt KEY=VALUE` (compose `storage_opt:`): Docker's overlay2 driver takes only `size=`, and
/// only where it can enforce it, with a project quota on overlay's upper directory — overlay over xfs
/// mounted with `pquota`. Everywhere else Docker refuses the option, and so does Skiff.
public enum StorageOptions {
    /// What the check needs to know of the filesystem under the state root (`BackingFilesystem.of`).
    public struct BackingFilesystem: Sendable, Equatable {
        /// The filesystem type as mountinfo names it (xfs, ext4, ...).
        public var type: String
        /// Its super options include prjquota/pquota (project quotas enforced).
        public var projectQuota: Bool
        /// A filesystem of `type`, with or without project quotas.
        public init(type: String, projectQuota: Bool) {
            self.type = type
            self.projectQuota = projectQuota
        }

        /// The filesystem holding `path`, from /proc/self/mountinfo (the longest mount point above it).
        public static func of(_ path: String) -> BackingFilesystem {
            var best = (point: "", fs: BackingFilesystem(type: "unknown", projectQuota: false))
            var real = path
            if let r = realpath(path, nil) {
                real = String(cString: r)
                free(r)
            }
            for line in ((try? FileIO.readString("/proc/self/mountinfo")) ?? "").split(separator: "\n") {
                guard let dash = line.firstRange(of: " - ") else { continue }
                let left = line[..<dash.lowerBound].split(separator: " ")
                let right = line[dash.upperBound...].split(separator: " ")
                guard left.count >= 5, right.count >= 3 else { continue }
                let point = String(left[4])
                let inside = point == "/" || real == point || real.hasPrefix(point + "/")
                guard inside, point.count >= best.point.count else { continue }
                let options = right[2].split(separator: ",")
                best = (
                    point,
                    BackingFilesystem(
                        type: String(right[0]),
                        projectQuota: options.contains("prjquota") || options.contains("pquota"))
                )
            }
            return best.fs
        }
    }

    /// `KEY=VALUE` pairs of the flag, each checked for its shape (`origin` names the flag).
    public static func parse(_ items: [String], origin: String) throws(KitError) -> [String: String] {
        var out: [String: String] = [:]
        for item in items {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw .usage("\(origin) \(item): invalid storage option (expected KEY=VALUE)") }
            out[kv[0]] = kv[1]
        }
        return out
    }

    /// Refuse `options` as Docker's overlay2 driver does on `backing`: nothing without project quotas.
    public static func check(_ options: [String: String], backing: BackingFilesystem) throws(KitError) {
        guard !options.isEmpty else { return }
        guard backing.type == "xfs" && backing.projectQuota else {
            throw .unsupported(
                "--storage-opt is supported only for overlay over xfs with 'pquota' mount option (skiff's state root is on \(backing.type)\(backing.type == "xfs" ? " without pquota" : ""))"
            )
        }
        for key in options.keys.sorted() where key != "size" {
            throw .usage("--storage-opt \(key): unknown option (overlay takes only size=)")
        }
        // Skiff does not set project quotas on a container's upper directory yet: say so rather than
        // run the container without the limit asked for.
        throw .unsupported(
            "--storage-opt size=: skiff does not set xfs project quotas on a container's writable layer yet; remove the option"
        )
    }
}
