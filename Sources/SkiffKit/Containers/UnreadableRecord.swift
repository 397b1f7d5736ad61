/// A record file on disk (a container's `container.json`, a volume's `volume.json`) that could not be
/// read or decoded. Listings report these instead of leaving the object out, so a user can see it and
/// remove it.
public struct UnreadableRecord: Sendable, CustomStringConvertible {
    /// "container" or "volume".
    public var kind: String
    /// The name of the object: a container ID, a volume name.
    public var name: String
    /// The record file.
    public var path: String
    /// Why it cannot be read (the system error, or what the decoder said).
    public var reason: String

    /// `KIND record PATH is unreadable: REASON`.
    public var description: String { "\(kind) record \(path) is unreadable: \(reason)" }
}

/// The readable records of a store, and the ones that are not.
package struct RecordListing<Record> {
    package var records: [Record]
    package var unreadable: [UnreadableRecord]
}

extension RecordListing: Sendable where Record: Sendable {}
