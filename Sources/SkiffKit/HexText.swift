/// Lower-case hex text, written without Foundation's `String(format:)` (which costs a start-up's worth
/// of type look-ups on first use: this is on the path of every exec and every bridged start).
enum HexText {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Two digits for a byte.
    static func byte(_ b: UInt8) -> String {
        String(decoding: [digits[Int(b >> 4)], digits[Int(b & 0xf)]], as: UTF8.self)
    }

    /// `count` random hex digits, sixteen from each 64-bit draw (`Int.random(in:)` draws once per digit,
    /// and SystemRandomNumberGenerator makes a getrandom(2) call per draw: 64 calls for an exec's ID).
    static func random(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            var draw = generator.next()
            for _ in 0..<min(16, count - out.count) {
                out.append(digits[Int(draw & 0xf)])
                draw >>= 4
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
