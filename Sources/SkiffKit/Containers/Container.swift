/// A container as `skiff` keeps it: `containers/<id>/container.json`. Its writable layer (`upper/`)
/// and generated files sit beside the record and live until `rm`.
public struct Container: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case created, running, exited
    }

    public var id: String
    public var name: String
    /// The name the user gave (e.g. "busybox"), and the image's ID (config digest).
    public var image: String
    public var imageID: String
    public var manifestDigest: String
    /// The overlay lower layers, by chain ID, bottom first.
    public var layerChainIDs: [String]
    public var command: [String]
    public var created: String
    public var status: Status
    public var exitCode: Int32?
    public var startedAt: String?
    public var finishedAt: String?
    public var autoRemove: Bool
    public var labels: [String: String]

    public var shortID: String { String(id.prefix(12)) }
}
