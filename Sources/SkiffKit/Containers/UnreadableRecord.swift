/// A record file on disk (a container's `container.json`, a volume's `volume.json`) that could not be
/// read or decoded. Listings report these instead of leaving the object out, so a user can see it and
/// remove it.
public struct UnreadableRecord: Sendable, CustomStringConvertible {
    /// "container" or "volume".
    public var kind: String
    /// The name of the object: a container ID, a volume name.
    public var name: String
    public var path: String
    public var reason: String

    public var description: String { "\(kind) record \(path) is unreadable: \(reason)" }
}

/// The readable records of a store, and the ones that are not.
public struct RecordListing<Record> {
    public var records: [Record]
    public var unreadable: [UnreadableRecord]
}

extension RecordListing: Sendable where Record: Sendable {}
