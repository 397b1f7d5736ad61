import SkiffSystem
import Synchronization

/// The record of each type this process last decoded, with its exact bytes. A detached start reads the
/// same files again and again: the CLI decodes the container.json it has just written, and its launching
/// fork (see `AdoptedStart`) reads it and network.json several times more (the network's set-up,
/// resolv.conf, /etc/hosts, the events). The file is read every time; only bytes equal to the ones
/// remembered skip the decode, so a record another process changed is decoded afresh. Only decoded
/// values are kept, never encoded ones: a value always equals the decode of its bytes.
enum RecentRecords {
    private static let recent = Mutex<[ObjectIdentifier: (bytes: [UInt8], value: any Sendable)]>([:])

    static func decode<T: Decodable & Sendable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try remembered(type, bytes) { try KitJSON.decode(type, from: bytes) }
    }

    /// `decode` of a type read by `JSONView` first (`KitJSON.decode`).
    static func decode<T: JSONViewReadable & Sendable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try remembered(type, bytes) { try KitJSON.decode(type, from: bytes) }
    }

    private static func remembered<T: Sendable>(_ type: T.Type, _ bytes: [UInt8], decode: () throws -> T) throws -> T {
        let key = ObjectIdentifier(type)
        if let known = recent.withLock({ $0[key] }), known.bytes == bytes, let value = known.value as? T {
            return value
        }
        let value = try decode()
        recent.withLock { $0[key] = (bytes, value) }
        return value
    }
}
