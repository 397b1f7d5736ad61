/// A container's Ethernet address, as `--mac-address` and compose's `mac_address` give it.
///
/// Docker takes any address `net.ParseMAC` reads that the kernel accepts on a veth: six bytes, unicast
/// (the group bit of the first byte clear) and not all zero. Skiff reads the usual six-byte forms
/// (`02:42:ac:11:00:02`, or with `-`) and keeps it in lower case with colons, as `ip link` shows it.
public enum MACAddress {
    /// Why a text is not a usable MAC address.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        /// The text, and why it is refused.
        public var description: String
    }

    /// The address in `ip link` form.
    public static func parse(_ text: String) throws(Invalid) -> String {
        func bad(_ why: String) -> Invalid { Invalid(description: "\(text): \(why)") }
        let separator: Character = text.contains("-") ? "-" : ":"
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 6 else { throw bad("not a MAC address (expected six hex bytes, e.g. 02:42:ac:11:00:02)") }
        var bytes: [UInt8] = []
        for p in parts {
            guard p.count == 2, p.allSatisfy(\.isHexDigit), let b = UInt8(p, radix: 16) else {
                throw bad("not a MAC address (expected six hex bytes, e.g. 02:42:ac:11:00:02)")
            }
            bytes.append(b)
        }
        if bytes.allSatisfy({ $0 == 0 }) { throw bad("the all-zero address cannot name an interface") }
        if bytes[0] & 1 == 1 {
            throw bad("a multicast address cannot name an interface (the first byte must be even)")
        }
        return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }

    /// `parse`, its error naming `origin` (the flag or key).
    public static func parse(_ text: String, origin: String) throws(KitError) -> String {
        do { return try parse(text) } catch { throw .usage("\(origin) \(error)") }
    }
}
