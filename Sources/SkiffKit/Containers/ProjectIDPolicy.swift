/// Which project ID a container's writable layer gets for its `--storage-opt size=` quota. Project IDs
/// belong to the whole filesystem, so an ID is taken only when the quota system knows nothing of it (no
/// inode carries it, no limit is set); a counter in the state root makes each create start above the last
/// one, and the state root's own project ID is the floor (Docker's home directory projid, which an
/// administrator sets to keep skiff's IDs above those they manage themselves).
public enum ProjectIDPolicy {
    /// No free project ID is left above the floor (the IDs are 32-bit).
    public struct Exhausted: Error, Equatable {}

    /// The first ID above both `last` (the counter) and `floor` for which `isFree` says yes.
    public static func next<E: Error>(
        after last: UInt32, floor: UInt32, isFree: (UInt32) throws(E) -> Bool
    ) throws(E) -> Result<UInt32, Exhausted> {
        var candidate = max(last, floor)
        while candidate < UInt32.max {
            candidate += 1
            if try isFree(candidate) { return .success(candidate) }
        }
        return .failure(Exhausted())
    }

    /// Whether a project the quota system reports (nil: none) is unused: no inode, no block, no limit.
    public static func isFree(hardLimit: UInt64, softLimit: UInt64, usedBytes: UInt64, usedInodes: UInt64) -> Bool {
        hardLimit == 0 && softLimit == 0 && usedBytes == 0 && usedInodes == 0
    }

    /// The counter file's text for `id`.
    public static func counterText(_ id: UInt32) -> String { "\(id)\n" }
    /// The ID the counter file's `text` holds (0 when missing or unreadable).
    public static func counter(from text: String?) -> UInt32 {
        UInt32((text ?? "").filter { !$0.isWhitespace }) ?? 0
    }
}
