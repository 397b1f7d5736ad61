import SkiffSystem

/// Why a layer could not be unpacked or packed. Every message names the layer and, where there is one, the
/// entry, and says what is wrong with it in words a user can act on, e.g.
/// `layer sha256:4f…: entry ../etc/passwd escapes the layer root`.
public struct LayerError: Error, CustomStringConvertible, Equatable {
    public enum Reason: Equatable, Sendable {
        /// The entry's path has a `..` component or is absolute: it would land outside the layer root.
        case escapesRoot(entry: String)
        /// A directory on the entry's path is a symlink (in this layer); following it could leave the root.
        case throughSymlink(entry: String)
        /// A path component of the entry is not a directory (e.g. a file that a later entry puts files under).
        case notADirectory(entry: String)
        /// A hard link whose target is outside the layer or not an earlier entry of the same layer.
        case hardlinkOutside(entry: String, target: String)
        /// A character device, block device or FIFO in a layer unpacked without `allowDevices`.
        case deviceNotAllowed(entry: String, kind: String)
        /// An entry type that layers do not carry (sockets, unknown tar types).
        case unsupportedEntry(entry: String, kind: String)
        /// The blob is not a readable tar / tar+gzip / tar+zstd stream (truncated, corrupt, wrong format).
        case corrupt(detail: String)
        /// The uncompressed stream's sha256 is not the diff ID the image config names (libarchive does not
        /// check gzip's CRC, so a damaged blob that still inflates is caught here).
        case diffIDMismatch(expected: String, actual: String)
        /// A system call failed while writing (or, for the packer, reading) an entry.
        case system(SystemError, entry: String?)
    }

    /// The layer: its digest (`sha256:…`) when known, else the blob or directory path.
    public var layer: String
    public var reason: Reason

    public init(layer: String, _ reason: Reason) {
        self.layer = layer
        self.reason = reason
    }

    /// The entry the error is about, if any.
    public var entry: String? {
        switch reason {
        case .escapesRoot(let e), .throughSymlink(let e), .notADirectory(let e): return e
        case .hardlinkOutside(let e, _), .deviceNotAllowed(let e, _), .unsupportedEntry(let e, _): return e
        case .corrupt, .diffIDMismatch: return nil
        case .system(_, let e): return e
        }
    }

    /// True for errors caused by the layer's contents being hostile (as opposed to corrupt or I/O errors).
    public var isHostile: Bool {
        switch reason {
        case .escapesRoot, .throughSymlink, .hardlinkOutside, .deviceNotAllowed: return true
        default: return false
        }
    }

    public var description: String {
        let what: String
        switch reason {
        case .escapesRoot(let e):
            let why = e.hasPrefix("/") ? "an absolute path" : "a `..` component"
            what = "entry \(e) escapes the layer root (\(why)); the layer is refused"
        case .throughSymlink(let e):
            what =
                "entry \(e) goes through a symlink in the layer; writing it could land outside the layer root, the layer is refused"
        case .notADirectory(let e):
            what = "entry \(e) has a parent that is not a directory in the layer"
        case .hardlinkOutside(let e, let t):
            what =
                "entry \(e) is a hard link to \(t), which is not an earlier entry of this layer; the layer is refused"
        case .deviceNotAllowed(let e, let k):
            what = "entry \(e) is a \(k); device nodes are only unpacked for trusted layers (allowDevices)"
        case .unsupportedEntry(let e, let k):
            what = "entry \(e) has an unsupported type (\(k))"
        case .corrupt(let d):
            what = "not a valid tar, tar+gzip or tar+zstd stream: \(d)"
        case .diffIDMismatch(let expected, let actual):
            what =
                "the uncompressed layer has digest \(actual), but the image names diff ID \(expected); the blob is damaged"
        case .system(let err, let e):
            if let e { what = "entry \(e): \(err)" } else { what = "\(err)" }
        }
        return "layer \(layer): \(what)"
    }
}
