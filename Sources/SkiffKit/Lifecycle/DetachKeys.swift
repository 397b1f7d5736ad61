import Foundation

/// Docker's --detach-keys: a comma-separated key sequence ("ctrl-p,ctrl-q", the default; "ctrl-a,x")
/// that, typed into an attached terminal, detaches instead of reaching the container.
public struct DetachKeys: Sendable, Equatable {
    /// The bytes of the sequence.
    public let sequence: [UInt8]
    /// Bytes of a possible sequence held back until the next byte says whether it is one.
    private var pending: [UInt8] = []

    /// Ctrl-P Ctrl-Q.
    public static let standard = DetachKeys(sequence: [0x10, 0x11])

    init(sequence: [UInt8]) { self.sequence = sequence }

    /// Docker's syntax: each key a single character or ctrl-<letter>, ctrl-@, ctrl-[, ctrl-\\, ctrl-],
    /// ctrl-^ or ctrl-_.
    public init(parsing text: String) throws(KitError) {
        var bytes: [UInt8] = []
        for key in text.split(separator: ",", omittingEmptySubsequences: false) {
            let k = key.lowercased()
            if k.count == 1, let b = k.utf8.first, b < 0x80 {
                bytes.append(Array(key.utf8)[0])
                continue
            }
            guard k.hasPrefix("ctrl-"), k.count == 6, let c = k.utf8.last else {
                throw .usage("invalid detach keys (\(text)) provided: unknown character '\(key)'")
            }
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): bytes.append(c - UInt8(ascii: "a") + 1)
            case UInt8(ascii: "@"): bytes.append(0)
            case UInt8(ascii: "["): bytes.append(27)
            case UInt8(ascii: "\\"): bytes.append(28)
            case UInt8(ascii: "]"): bytes.append(29)
            case UInt8(ascii: "^"): bytes.append(30)
            case UInt8(ascii: "_"): bytes.append(31)
            default: throw .usage("invalid detach keys (\(text)) provided: unknown character '\(key)'")
            }
        }
        guard !bytes.isEmpty else { throw .usage("invalid detach keys (\(text)) provided") }
        self.init(sequence: bytes)
    }

    /// The sequence of Docker's CLI configuration, as Docker's CLI reads it: `detachKeys` in
    /// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`; Ctrl-P Ctrl-Q when neither sets one.
    /// A sequence there that does not parse is refused, as `--detach-keys` would be.
    public static func configured(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KitError) -> DetachKeys {
        let file: String
        if let dir = environment["DOCKER_CONFIG"], !dir.isEmpty {
            file = dir + "/config.json"
        } else {
            file = (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/root") + "/.docker/config.json"
        }
        guard let data = FileManager.default.contents(atPath: file),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let text = object["detachKeys"] as? String, !text.isEmpty
        else { return .standard }
        return try DetachKeys(parsing: text)
    }

    /// Feed input: what goes on to the container, and whether the sequence was typed (the bytes
    /// before it still go on; a sequence begun and broken off goes on whole, as Docker's escape proxy does).
    public mutating func feed(_ input: [UInt8]) -> (forward: [UInt8], detach: Bool) {
        var out: [UInt8] = []
        for b in input {
            if b == sequence[pending.count] {
                pending.append(b)
                if pending.count == sequence.count { return (out, true) }
            } else {
                out += pending
                pending = []
                if b == sequence[0] {
                    pending.append(b)
                    if sequence.count == 1 { return (out, true) }
                } else {
                    out.append(b)
                }
            }
        }
        return (out, false)
    }
}
