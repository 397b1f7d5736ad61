import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `--storage-opt KEY=VALUE` (compose `storage_opt:`): Docker's overlay2 driver takes only `size=`, and
/// only where it can enforce it, with a project quota on the container's upper and work directories.
/// Docker checks for xfs mounted with `pquota`; Skiff takes any filesystem whose mount enforces project
/// quotas (ext4 mounted `prjquota` answers the same ioctl and quotactl) and refuses the rest as Docker does.
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
            var real = path
            if let r = realpath(path, nil) {
                real = String(cString: r)
                free(r)
            }
            return holding(real, mountinfo: (try? FileIO.readString("/proc/self/mountinfo")) ?? "")
        }

        /// The filesystem of the last of the longest mount points above the resolved `path` in `mountinfo`
        /// (a later mount on the same point hides the earlier). Project quotas are on where its super
        /// options say prjquota (ext4, xfs) or pquota; not for pqnoenforce, which only accounts.
        public static func holding(_ path: String, mountinfo: String) -> BackingFilesystem {
            var best = (point: "", fs: BackingFilesystem(type: "unknown", projectQuota: false))
            for line in mountinfo.split(separator: "\n") {
                guard let dash = line.firstRange(of: " - ") else { continue }
                let left = line[..<dash.lowerBound].split(separator: " ")
                let right = line[dash.upperBound...].split(separator: " ")
                guard left.count >= 5, right.count >= 3 else { continue }
                let point = String(left[4])
                let inside = point == "/" || path == point || path.hasPrefix(point + "/")
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

    /// Docker's refusal where project quotas are not enforced, whatever the options say.
    public static let unsupportedText =
        "--storage-opt is supported only for overlay over xfs with 'pquota' mount option"

    /// The project quota `options` ask for on `backing`, in bytes (nil: no limit, as for `size=0`), or
    /// Docker's refusal: nothing without project quotas, no key but `size`, a size as Docker reads it.
    public static func check(
        _ options: [String: String], backing findBacking: @autoclosure () -> BackingFilesystem
    ) throws(KitError) -> UInt64? {
        guard !options.isEmpty else { return nil }
        // Only asked for with options: finding it reads and parses /proc/self/mountinfo.
        let backing = findBacking()
        guard backing.projectQuota else {
            throw .unsupported(
                "\(unsupportedText) (skiff's state root is on \(backing.type) without project quotas; skiff also takes ext4 mounted with prjquota)"
            )
        }
        var limit: UInt64?
        for key in options.keys.sorted() {
            guard key.lowercased() == "size", let text = options[key] else {
                throw .usage("--storage-opt \(key): unknown option (overlay takes only size=)")
            }
            if text == "0" {
                limit = nil
                continue
            }
            // The quota counts 512-byte blocks: a size that is not a whole number of them is rounded up,
            // so that a small size never becomes a limit of 0 blocks, which is no limit at all.
            do { limit = (UInt64(try Units.parseBytes(text)) + 511) / 512 * 512 } catch {
                throw .usage(error.message(text, for: "--storage-opt size"))
            }
        }
        return limit
    }
}
