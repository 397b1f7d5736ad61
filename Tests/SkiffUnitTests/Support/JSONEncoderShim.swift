import Foundation
import SkiffExplain

/// JSON for the explain events' round trip (what Engine+Explain writes between processes).
enum JSONEncoderShim {
    static func encode(_ events: [ExplainEvent]) throws -> Data { try JSONEncoder().encode(events) }
    static func decode(_ data: Data) throws -> [ExplainEvent] {
        try JSONDecoder().decode([ExplainEvent].self, from: data)
    }
}
